// The session store: connect-pg-simple on the `session` table (migration 0100), extended so
// that a session ended elsewhere stays ended.
import session from 'express-session';
import connectPgSimple from 'connect-pg-simple';
import pg from 'pg';
import type { Request } from 'express';
import type { Config } from '../boot/config.ts';
import type { Logger } from '../boot/logger.ts';

const PgStore = connectPgSimple(session);

type StoreCallback = (error?: unknown) => void;

// connect-pg-simple writes every save as an upsert. A request that read a session before it
// ended (signed out in another tab, ended by a password change, expired) would then write it
// back at the end of the request, and its user would be signed in again. So a session this
// store read is only ever updated, never inserted again: once its row is gone, it stays gone.
// Only a session express-session generated (a new visitor, a sign-in's new id) is inserted.
export class SessionStore extends PgStore {
  readonly pool: pg.Pool;
  readonly #ttlSeconds: number;
  // The sessions read from the store (express-session builds them with createSession).
  readonly #read = new WeakSet<object>();

  constructor(pool: pg.Pool, options: { ttlSeconds: number; pruneEverySeconds: number | false; logger: Logger }) {
    super({
      pool,
      tableName: 'session',
      // The table comes from a migration: connect-pg-simple's own creation races.
      createTableIfMissing: false,
      // A plain page view writes nothing; the idle clock (lib/session/session.ts) changes the
      // session at most once a minute, and a changed session is saved like any other.
      disableTouch: true,
      ttl: options.ttlSeconds,
      pruneSessionInterval: options.pruneEverySeconds,
      errorLog: (...args: unknown[]) => options.logger.warn({ store: args.map(String).join(' ') }, 'session store'),
    });
    this.pool = pool;
    this.#ttlSeconds = options.ttlSeconds;
  }

  override createSession(req: Request, data: session.SessionData): session.Session & session.SessionData {
    const created = super.createSession(req, data);
    this.#read.add(created);
    return created;
  }

  override set(sid: string, data: session.SessionData, callback?: StoreCallback): void {
    if (!this.#read.has(data)) {
      super.set(sid, data, (error?: unknown) => {
        // Stored now: a second save in the same request is an update like any other.
        if (!error) this.#read.add(data);
        callback?.(error);
      });
      return;
    }
    const expire = Math.ceil(Date.now() / 1000 + this.#ttlSeconds);
    this.pool
      .query('UPDATE session SET sess = $2, expire = to_timestamp($3) WHERE sid = $1 AND expire >= now()', [sid, JSON.stringify(data), expire])
      .then(() => callback?.(), (error: unknown) => callback?.(error));
  }

  // Closes the store's pruning and its pool (the app's shutdown, a test's end).
  async end(): Promise<void> {
    await this.close();
    await this.pool.end();
  }
}

// Sessions get a small pool of their own, so a page's queries never wait behind session reads
// or the other way round: a session read or write is one short query, so half as many
// connections as the pages' pool is plenty.
export function createSessionStore(databaseUrl: string, logger: Logger, config: Pick<Config, 'databasePoolSize' | 'absoluteTimeoutHours' | 'env'>): SessionStore {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: Math.ceil(config.databasePoolSize / 2), connectionTimeoutMillis: 5000 });
  // Only what went wrong: the error object can carry the connection's parameters.
  pool.on('error', (error: Error & { code?: string }) => logger.warn({ error: error.message, code: error.code }, 'session pool connection lost'));
  return new SessionStore(pool, {
    // The row outlives the absolute timeout by nothing: an older session is over anyway.
    ttlSeconds: config.absoluteTimeoutHours * 3600,
    // Expired rows go every 15 minutes (never in tests, which age sessions on purpose).
    pruneEverySeconds: config.env === 'test' ? false : 15 * 60,
    logger,
  });
}
