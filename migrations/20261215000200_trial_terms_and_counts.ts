import type { Knex } from 'knex';

// Trials (issue 15, part 6), after 20261214000100_trials. A trial's term is days, not years:
// its subscription holds term_years 0 until it is upgraded to a paid term of 1, 2 or 3 years.
// The Accounts list counts the Trial status and "Expiring within 30 days" in the same pass as
// the other statuses: the covering index that pass reads alone gains trial and auto_renew.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE subscriptions DROP CONSTRAINT subscriptions_term_check');
  await knex.raw('ALTER TABLE subscriptions ADD CONSTRAINT subscriptions_term_check CHECK (term_years IN (1, 2, 3) OR (trial AND term_years = 0))');
  await knex.raw('DROP INDEX customer_accounts_partner_status_idx');
  await knex.raw(`
    CREATE INDEX customer_accounts_partner_status_idx ON customer_accounts
    (partner_id, status, ends_on, registration_link_expires_at) INCLUDE (product_id, administrator, trial, auto_renew)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX customer_accounts_partner_status_idx');
  await knex.raw(`
    CREATE INDEX customer_accounts_partner_status_idx ON customer_accounts
    (partner_id, status, ends_on, registration_link_expires_at) INCLUDE (product_id, administrator)`);
  await knex.raw('ALTER TABLE subscriptions DROP CONSTRAINT subscriptions_term_check');
  await knex.raw('ALTER TABLE subscriptions ADD CONSTRAINT subscriptions_term_check CHECK (term_years IN (1, 2, 3))');
}
