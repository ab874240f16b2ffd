import type { Knex } from 'knex';

// The app no longer keeps in-memory copies of sessions (they were removed with the return to
// express-session and connect-pg-simple), so nobody listens for session changes any more.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER IF EXISTS session_changed ON session');
  await knex.raw('DROP FUNCTION IF EXISTS session_announce_change()');
}

export async function down(knex: Knex): Promise<void> {
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
