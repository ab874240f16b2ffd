import type { Knex } from 'knex';

// Every app instance keeps copies of the sessions it serves (lib/session/cache.ts). When a
// session row is changed or deleted (sign-out, a timeout, a password change ending other
// sessions, the store pruning expired rows), every instance is told at once, as
// "<sid> <md5 of the JSON written>" (empty for a deletion), and drops any other copy.
// New rows need no word: no instance has a copy of a session that did not exist.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION session_announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('session_changed',
        OLD.sid || ' ' || CASE WHEN TG_OP = 'UPDATE' THEN md5(NEW.sess::text) ELSE '' END);
      RETURN NULL;
    END $$`);
  await knex.raw(`
    CREATE TRIGGER session_changed AFTER UPDATE OR DELETE ON session
    FOR EACH ROW EXECUTE FUNCTION session_announce_change()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER session_changed ON session');
  await knex.raw('DROP FUNCTION session_announce_change()');
}
