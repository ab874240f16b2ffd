import type { Knex } from 'knex';

// A partner's accounts_version moves whenever any of its customer accounts is written
// (directly, or through the triggers that copy subscription and link facts onto it). App
// instances keep the Accounts tab's counts per status in memory and reuse them only while
// the version they were computed at is still current, so a purchase in one instance is
// seen by the counts in every other.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('partners', (t) => {
    t.bigInteger('accounts_version').notNullable().defaultTo(0);
  });
  await knex.raw(`
    CREATE FUNCTION partners_bump_accounts_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE partners SET accounts_version = accounts_version + 1
      WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.partner_id ELSE NEW.partner_id END;
      RETURN NULL;
    END $$`);
  await knex.raw(`
    CREATE TRIGGER customer_accounts_bump_version AFTER INSERT OR UPDATE OR DELETE ON customer_accounts
    FOR EACH ROW EXECUTE FUNCTION partners_bump_accounts_version()`);
  // The status filter (Pending registration, Registration link expired...) in name order.
  await knex.raw('CREATE INDEX customer_accounts_partner_status_name_idx ON customer_accounts (partner_id, status, lower(name), id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX customer_accounts_partner_status_name_idx');
  await knex.raw('DROP TRIGGER customer_accounts_bump_version ON customer_accounts');
  await knex.raw('DROP FUNCTION partners_bump_accounts_version()');
  await knex.schema.alterTable('partners', (t) => {
    t.dropColumn('accounts_version');
  });
}
