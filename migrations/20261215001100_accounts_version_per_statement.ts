import type { Knex } from 'knex';

// A partner's accounts_version moved once for each customer account inserted. A bulk purchase
// inserts thousands in one statement: each bump wrote the partner's row again, in one
// transaction, so its versions piled up and every later foreign-key check on the partner (a
// subscription's, an order line's, an Activity entry's) walked them all. Placing 5,000 rows
// took over 20 s. An insert now moves the version once per statement for each partner it
// touched (a transition table says which); updates and deletes still move it per row, as
// before. Readers only ask whether the version changed, never by how much.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION partners_bump_accounts_version_for_inserts() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE partners SET accounts_version = accounts_version + 1
      WHERE id IN (SELECT DISTINCT partner_id FROM inserted_accounts);
      RETURN NULL;
    END $$`);
  await knex.raw('DROP TRIGGER customer_accounts_bump_version ON customer_accounts');
  await knex.raw(`
    CREATE TRIGGER customer_accounts_bump_version AFTER UPDATE OR DELETE ON customer_accounts
    FOR EACH ROW EXECUTE FUNCTION partners_bump_accounts_version()`);
  await knex.raw(`
    CREATE TRIGGER customer_accounts_bump_version_for_inserts AFTER INSERT ON customer_accounts
    REFERENCING NEW TABLE AS inserted_accounts
    FOR EACH STATEMENT EXECUTE FUNCTION partners_bump_accounts_version_for_inserts()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER customer_accounts_bump_version_for_inserts ON customer_accounts');
  await knex.raw('DROP FUNCTION partners_bump_accounts_version_for_inserts()');
  await knex.raw('DROP TRIGGER customer_accounts_bump_version ON customer_accounts');
  await knex.raw(`
    CREATE TRIGGER customer_accounts_bump_version AFTER INSERT OR UPDATE OR DELETE ON customer_accounts
    FOR EACH ROW EXECUTE FUNCTION partners_bump_accounts_version()`);
}
