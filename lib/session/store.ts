import pg from 'pg';
import type { Logger } from '../boot/logger.ts';
import { SessionCache } from './cache.ts';

// A session as the store holds it: the JSON text written, and what it says.
export interface StoredSession {
  json: string;
  data: Record<string, unknown>;
}

// Where sessions are kept: the `session` table (migration 0100), through a small pool of
// their own, so a page's queries never wait behind session reads or the other way round (a
// session read or write is one short query: half as many connections as the pages' pool is
// plenty), and the in-memory copies (lib/session/cache.ts), which every read and write here
// keeps up to date.
export class SessionStorage {
  readonly pool: pg.Pool;
  readonly cache: SessionCache;
  private pruneTimer: NodeJS.Timeout | undefined;

  constructor(databaseUrl: string, logger: Logger, pagesPoolSize: number) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: Math.ceil(pagesPoolSize / 2), connectionTimeoutMillis: 5000 });
    this.pool.on('error', (error) => logger.warn({ err: error }, 'session pool connection lost'));
    this.cache = new SessionCache(databaseUrl, logger);
    void this.cache.start();
  }

  // The session as last stored, or undefined when there is none (never was, ended, expired).
  async read(sid: string): Promise<StoredSession | undefined> {
    const ticket = this.cache.begin(sid);
    let stored: StoredSession | undefined;
    try {
      // As text: the very JSON written, so what the cache keeps matches the database's digest.
      const result = await this.pool.query<{ sess: string }>('SELECT sess::text AS sess FROM session WHERE sid = $1 AND expire >= localtimestamp', [sid]);
      const json = result.rows[0]?.sess;
      if (json !== undefined) stored = { json, data: JSON.parse(json) as Record<string, unknown> };
      return stored;
    } finally {
      this.cache.finish(ticket, stored && { json: stored.json, rev: stored.data.rev });
    }
  }

  // Stores a session for `lifetimeSeconds` from now. A session that was already stored is
  // only ever updated, never written again: if it ended meanwhile (signed out in another tab,
  // ended by a password change, expired), it stays ended, and this answers false.
  async write(sid: string, json: string, rev: string, isNew: boolean, lifetimeSeconds: number): Promise<boolean> {
    this.cache.forget(sid);
    const ticket = this.cache.begin(sid);
    let written = false;
    try {
      const result = isNew
        ? await this.pool.query('INSERT INTO session (sid, sess, expire) VALUES ($1, $2, localtimestamp + make_interval(secs => $3))', [sid, json, lifetimeSeconds])
        : await this.pool.query('UPDATE session SET sess = $2, expire = localtimestamp + make_interval(secs => $3) WHERE sid = $1 AND expire >= localtimestamp', [sid, json, lifetimeSeconds]);
      written = result.rowCount === 1;
      return written;
    } finally {
      this.cache.finish(ticket, written ? { json, rev } : undefined);
    }
  }

  async remove(sid: string): Promise<void> {
    this.cache.forget(sid);
    await this.pool.query('DELETE FROM session WHERE sid = $1', [sid]);
  }

  // Expired rows go now and then; a read never returns one meanwhile.
  async prune(): Promise<number> {
    const result = await this.pool.query('DELETE FROM session WHERE expire < localtimestamp');
    return result.rowCount ?? 0;
  }

  prunePeriodically(everyMs: number, logger: Logger): void {
    clearInterval(this.pruneTimer);
    this.pruneTimer = setInterval(() => {
      this.prune().catch((error: unknown) => logger.warn({ err: error }, 'expired sessions could not be pruned'));
    }, everyMs);
    this.pruneTimer.unref();
  }

  async end(): Promise<void> {
    clearInterval(this.pruneTimer);
    await this.cache.stop();
    await this.pool.end();
  }
}

export function createSessionStorage(databaseUrl: string, logger: Logger, pagesPoolSize: number): SessionStorage {
  return new SessionStorage(databaseUrl, logger, pagesPoolSize);
}
