import type { Knex } from 'knex';

// An account's Dashboard lists the customer's other subscriptions with the partner (the same
// email, in any case), and Add an existing customer looks a direct account (no partner) up by
// email: both read (partner_id, lower(email)). Without this index the Dashboard read every
// one of a big partner's accounts on each view (~16 views a second at 100,000 accounts).
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX customer_accounts_partner_email_idx ON customer_accounts (partner_id, lower(email))');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX customer_accounts_partner_email_idx');
}
