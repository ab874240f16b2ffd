import type { Knex } from 'knex';

// The Accounts tab at scale: what the list filters and counts on lives on customer_accounts
// itself (the product and end date of its subscription, the expiry of its newest
// registration link), kept in step by triggers whoever writes, so a list page, a filter
// or the counts per status read one table through one index.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customer_accounts', (t) => {
    t.text('product_id').references('products.id');
    t.date('ends_on');
    t.timestamp('registration_link_expires_at', { useTz: true });
  });

  await knex.raw(`
    CREATE FUNCTION customer_accounts_copy_subscription() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE customer_accounts SET product_id = NEW.product_id, ends_on = NEW.ends_on WHERE id = NEW.customer_account_id;
      RETURN NULL;
    END $$`);
  await knex.raw(`
    CREATE TRIGGER subscriptions_copy_to_account AFTER INSERT OR UPDATE OF product_id, ends_on ON subscriptions
    FOR EACH ROW EXECUTE FUNCTION customer_accounts_copy_subscription()`);

  // The newest link decides "Registration link expired"; an older one never does.
  await knex.raw(`
    CREATE FUNCTION customer_accounts_copy_link_expiry() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE customer_accounts SET registration_link_expires_at = (
        SELECT expires_at FROM registration_invitations
        WHERE customer_account_id = NEW.customer_account_id ORDER BY id DESC LIMIT 1
      ) WHERE id = NEW.customer_account_id;
      RETURN NULL;
    END $$`);
  await knex.raw(`
    CREATE TRIGGER registration_invitations_copy_to_account AFTER INSERT OR UPDATE OF expires_at ON registration_invitations
    FOR EACH ROW EXECUTE FUNCTION customer_accounts_copy_link_expiry()`);

  await knex.raw(`UPDATE customer_accounts a SET product_id = s.product_id, ends_on = s.ends_on FROM subscriptions s WHERE s.customer_account_id = a.id`);
  await knex.raw(`
    UPDATE customer_accounts a SET registration_link_expires_at = (
      SELECT expires_at FROM registration_invitations i WHERE i.customer_account_id = a.id ORDER BY i.id DESC LIMIT 1
    )`);

  // Sort by expiry, with keyset pagination on (ends_on, id).
  await knex.raw('CREATE INDEX customer_accounts_partner_ends_on_idx ON customer_accounts (partner_id, ends_on, id)');
  // Counts per status and the status filter: an index-only scan over one partner's rows.
  await knex.raw(`
    CREATE INDEX customer_accounts_partner_status_idx ON customer_accounts
    (partner_id, status, ends_on, registration_link_expires_at) INCLUDE (product_id, administrator)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER registration_invitations_copy_to_account ON registration_invitations');
  await knex.raw('DROP TRIGGER subscriptions_copy_to_account ON subscriptions');
  await knex.raw('DROP FUNCTION customer_accounts_copy_link_expiry()');
  await knex.raw('DROP FUNCTION customer_accounts_copy_subscription()');
  await knex.schema.alterTable('customer_accounts', (t) => {
    t.dropColumn('registration_link_expires_at');
    t.dropColumn('ends_on');
    t.dropColumn('product_id');
  });
}
