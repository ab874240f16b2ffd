import type { Knex } from 'knex';

// A partner user's rights live in their session (passport stores the user at sign-in). When
// the role changes or the user is removed, every session of that user ends in the same
// transaction, whatever made the change (a page, a script, an operator's SQL): sessions are
// read from this table on every request, so every instance sees it on the next one, and the
// user signs in again with the new rights or not at all. (A password change ends the user's
// other sessions in the code that makes it, keeping the one that made it.)
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION partner_user_sessions_end() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      DELETE FROM session WHERE sess->'passport'->'user'->>'key' = 'partner:' || OLD.id;
      RETURN NULL;
    END $$`);
  await knex.raw(`
    CREATE TRIGGER partner_user_role_changed AFTER UPDATE OF role, partner_id ON partner_users
    FOR EACH ROW WHEN (OLD.role IS DISTINCT FROM NEW.role OR OLD.partner_id IS DISTINCT FROM NEW.partner_id)
    EXECUTE FUNCTION partner_user_sessions_end()`);
  await knex.raw(`
    CREATE TRIGGER partner_user_removed AFTER DELETE ON partner_users
    FOR EACH ROW EXECUTE FUNCTION partner_user_sessions_end()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER partner_user_removed ON partner_users');
  await knex.raw('DROP TRIGGER partner_user_role_changed ON partner_users');
  await knex.raw('DROP FUNCTION partner_user_sessions_end()');
}
