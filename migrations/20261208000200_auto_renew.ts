import type { Knex } from 'knex';

// Automatic renewal (issue 15): a subscription the partner enrolled is renewed by the renewal
// job a set number of days before its end. auto_renew_refused_for holds the end date of the
// term the job could not renew (its plan was retired): the partner is told once per term, and
// the job does not try that term again. The Accounts list shows and filters the state, so it
// is copied onto customer_accounts by the trigger that already copies the product and end.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('subscriptions', (t) => {
    t.boolean('auto_renew').notNullable().defaultTo(false);
    t.date('auto_renew_refused_for');
  });
  await knex.schema.alterTable('customer_accounts', (t) => {
    t.boolean('auto_renew').notNullable().defaultTo(false);
  });
  // The renewal job's search: enrolled subscriptions by end date.
  await knex.raw('CREATE INDEX subscriptions_auto_renew_due_idx ON subscriptions (ends_on, id) WHERE auto_renew');

  await knex.raw(`
    CREATE OR REPLACE FUNCTION customer_accounts_copy_subscription() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE customer_accounts SET product_id = NEW.product_id, ends_on = NEW.ends_on, auto_renew = NEW.auto_renew
       WHERE id = NEW.customer_account_id;
      RETURN NULL;
    END $$`);
  await knex.raw('DROP TRIGGER subscriptions_copy_to_account ON subscriptions');
  await knex.raw(`
    CREATE TRIGGER subscriptions_copy_to_account AFTER INSERT OR UPDATE OF product_id, ends_on, auto_renew ON subscriptions
    FOR EACH ROW EXECUTE FUNCTION customer_accounts_copy_subscription()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER subscriptions_copy_to_account ON subscriptions');
  await knex.raw(`
    CREATE OR REPLACE FUNCTION customer_accounts_copy_subscription() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE customer_accounts SET product_id = NEW.product_id, ends_on = NEW.ends_on WHERE id = NEW.customer_account_id;
      RETURN NULL;
    END $$`);
  await knex.raw(`
    CREATE TRIGGER subscriptions_copy_to_account AFTER INSERT OR UPDATE OF product_id, ends_on ON subscriptions
    FOR EACH ROW EXECUTE FUNCTION customer_accounts_copy_subscription()`);
  await knex.raw('DROP INDEX subscriptions_auto_renew_due_idx');
  await knex.schema.alterTable('customer_accounts', (t) => t.dropColumn('auto_renew'));
  await knex.schema.alterTable('subscriptions', (t) => {
    t.dropColumn('auto_renew_refused_for');
    t.dropColumn('auto_renew');
  });
}
