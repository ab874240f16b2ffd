import type { Knex } from 'knex';

// The owner's Undelivered mail page lists a partner's mail that is not sent yet, newest
// first; sent mail (nearly all of it) stays out of this index, so it stays small.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE INDEX outbox_emails_partner_undelivered_idx ON outbox_emails (partner_id, id DESC) WHERE status <> 'sent'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX outbox_emails_partner_undelivered_idx');
}
