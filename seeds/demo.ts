// Demo data for development: loaded by `npm start` on a fresh embedded database, never in
// production. It goes through the same model functions the product uses.
import type { Knex } from 'knex';
import type { Config } from '../lib/config.ts';
import { hashSecret } from '../lib/passwords.ts';
import { createPartnerWithOwner } from '../models/partners.ts';

export const DEMO_SIGN_IN = { email: 'demo@partner.example', password: 'demo partner portal 2026' };

export async function databaseIsEmpty(db: Knex): Promise<boolean> {
  return !(await db('partners').first('id'));
}

export async function seedDemoData(db: Knex, _config: Config): Promise<void> {
  await createPartnerWithOwner(db, {
    company: 'Northwind IT Services',
    name: 'Dana Demo',
    email: DEMO_SIGN_IN.email,
    passwordHash: await hashSecret(DEMO_SIGN_IN.password),
  });
}
