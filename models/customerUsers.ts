import type { Knex } from 'knex';
import type { SignInCandidate } from '../lib/auth.ts';

export async function findCustomerUserForSignIn(db: Knex, email: string): Promise<SignInCandidate | undefined> {
  const row = await db('customer_users as u')
    .join('customer_accounts as a', 'a.id', 'u.customer_account_id')
    .whereRaw('lower(u.email) = lower(?)', [email])
    .first('u.id', 'u.email', 'u.first_name', 'u.last_name', 'u.password_hash', 'a.id as account_id', 'a.partner_id', 'a.name as account_name');
  if (!row) return undefined;
  const name = [row.first_name, row.last_name].filter(Boolean).join(' ') || row.account_name;
  return {
    passwordHash: row.password_hash,
    user: {
      key: `customer:${row.id}`,
      kind: 'customer',
      id: row.id,
      name,
      email: row.email,
      partnerId: row.partner_id,
      customerAccountId: row.account_id,
    },
  };
}
