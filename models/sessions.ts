// Sessions as rows of the `session` table (connect-pg-simple's layout, migration 0100): what
// the app does to them beyond the store's own reads and writes.
import type { Knex } from 'knex';

// Ends every stored session of a user (password changed, reset, deactivated), except
// (optionally) the one making the request. A request of such a session still under way cannot
// write it back: the store only updates sessions it read (lib/session/store.ts).
export async function endSessionsOfUser(db: Knex, userKey: string, exceptSessionId?: string): Promise<number> {
  return db('session')
    .whereRaw(`sess->'passport'->'user'->>'key' = ?`, [userKey])
    .modify((query) => {
      if (exceptSessionId !== undefined) query.whereNot('sid', exceptSessionId);
    })
    .delete();
}
