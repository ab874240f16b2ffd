import type { Knex } from 'knex';

// Trials (issue 15, part 6): a subscription can be a free trial of TRIAL_DAYS. The Accounts
// list shows, filters and counts trials, so the flag is copied onto customer_accounts by the
// trigger that already copies the product, the end date and auto-renew. One trial per customer
// email per product per partner, whatever became of it (upgraded, expired or released): the
// trials table keeps that rule with a unique index, so two tabs cannot start two.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('subscriptions', (t) => {
    t.boolean('trial').notNullable().defaultTo(false);
  });
  await knex.schema.alterTable('customer_accounts', (t) => {
    t.boolean('trial').notNullable().defaultTo(false);
  });
  await knex.schema.createTable('trials', (t) => {
    t.bigIncrements('id');
    t.bigInteger('partner_id').notNullable().references('partners.id').onDelete('CASCADE');
    t.text('customer_email').notNullable();
    t.text('product_id').notNullable().references('products.id');
    t.bigInteger('customer_account_id').notNullable().references('customer_accounts.id').onDelete('CASCADE');
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    // Set when the trial was upgraded to a paid subscription.
    t.timestamp('upgraded_at', { useTz: true });
  });
  await knex.raw('CREATE UNIQUE INDEX trials_one_per_customer_product ON trials (partner_id, lower(customer_email), product_id)');
  await knex.raw('CREATE INDEX trials_customer_account_idx ON trials (customer_account_id)');
  // The Trial filter and its count, and "trials ending soon": a partner's trials by end date.
  await knex.raw('CREATE INDEX customer_accounts_partner_trial_idx ON customer_accounts (partner_id, ends_on, id) WHERE trial');

  await knex.raw(`
    CREATE OR REPLACE FUNCTION customer_accounts_copy_subscription() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE customer_accounts
         SET product_id = NEW.product_id, ends_on = NEW.ends_on, auto_renew = NEW.auto_renew, trial = NEW.trial
       WHERE id = NEW.customer_account_id;
      RETURN NULL;
    END $$`);
  await knex.raw('DROP TRIGGER subscriptions_copy_to_account ON subscriptions');
  await knex.raw(`
    CREATE TRIGGER subscriptions_copy_to_account AFTER INSERT OR UPDATE OF product_id, ends_on, auto_renew, trial ON subscriptions
    FOR EACH ROW EXECUTE FUNCTION customer_accounts_copy_subscription()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER subscriptions_copy_to_account ON subscriptions');
  await knex.raw(`
    CREATE OR REPLACE FUNCTION customer_accounts_copy_subscription() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE customer_accounts SET product_id = NEW.product_id, ends_on = NEW.ends_on, auto_renew = NEW.auto_renew
       WHERE id = NEW.customer_account_id;
      RETURN NULL;
    END $$`);
  await knex.raw(`
    CREATE TRIGGER subscriptions_copy_to_account AFTER INSERT OR UPDATE OF product_id, ends_on, auto_renew ON subscriptions
    FOR EACH ROW EXECUTE FUNCTION customer_accounts_copy_subscription()`);
  await knex.raw('DROP INDEX customer_accounts_partner_trial_idx');
  await knex.schema.dropTable('trials');
  await knex.schema.alterTable('customer_accounts', (t) => t.dropColumn('trial'));
  await knex.schema.alterTable('subscriptions', (t) => t.dropColumn('trial'));
}
