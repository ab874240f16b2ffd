import type { Knex } from 'knex';

// Limits shared by every app instance: each counted event is a row, a limit is a count
// over a sliding window. Old rows are pruned by the worker.

export interface Limit {
  bucket: string;
  max: number;
  windowSeconds: number;
}

export interface LimitState {
  limited: boolean;
  retryAfterSeconds: number;
}

export async function checkLimit(db: Knex, limit: Limit, key: string): Promise<LimitState> {
  const row = await db('rate_limit_hits')
    .where({ bucket: limit.bucket, key })
    .andWhere('hit_at', '>', db.raw(`now() - make_interval(secs => ?)`, [limit.windowSeconds]))
    .select(db.raw('count(*)::int AS hits'), db.raw('min(hit_at) AS oldest'), db.raw('max(hit_at) AS newest'))
    .first<{ hits: number; oldest: Date | null; newest: Date | null }>();
  if (!row || row.hits < limit.max || !row.oldest) return { limited: false, retryAfterSeconds: 0 };
  // The window slides: the limit lifts when enough of the oldest hits age out of it.
  const lifts = row.oldest.getTime() + limit.windowSeconds * 1000;
  return { limited: true, retryAfterSeconds: Math.max(1, Math.ceil((lifts - Date.now()) / 1000)) };
}

export async function recordHit(db: Knex, limit: Limit, key: string): Promise<void> {
  await db('rate_limit_hits').insert({ bucket: limit.bucket, key });
}

export async function clearHits(db: Knex, limit: Limit, key: string): Promise<void> {
  await db('rate_limit_hits').where({ bucket: limit.bucket, key }).delete();
}

// Counts the hit and answers whether it went over the limit, in one step for callers
// that limit every attempt (activations, resends) rather than only failures.
export async function takeHit(db: Knex, limit: Limit, key: string): Promise<LimitState> {
  const state = await checkLimit(db, limit, key);
  if (!state.limited) await recordHit(db, limit, key);
  return state;
}

export async function pruneHits(db: Knex, olderThanSeconds = 24 * 3600): Promise<number> {
  return db('rate_limit_hits')
    .where('hit_at', '<', db.raw(`now() - make_interval(secs => ?)`, [olderThanSeconds]))
    .delete();
}

export function minutesText(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}
