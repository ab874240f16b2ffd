import session from 'express-session';
import connectPgSimple from 'connect-pg-simple';
import pg from 'pg';
import type { Request, RequestHandler } from 'express';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';

export const SESSION_COOKIE = 'portal.sid';

export function createSessionPool(databaseUrl: string, logger: Logger): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10, connectionTimeoutMillis: 5000 });
  pool.on('error', (error) => logger.warn({ err: error }, 'session pool connection lost'));
  return pool;
}

// Sessions live in PostgreSQL (the `session` table comes from a migration). The store is
// never touched on a plain read: the idle clock below writes at most once a minute, so a
// signed-in page does not write to the database on every request.
export function sessionMiddleware(config: Config, pool: pg.Pool, logger: Logger): RequestHandler[] {
  const PgStore = connectPgSimple(session);
  const store = new PgStore({
    pool,
    tableName: 'session',
    createTableIfMissing: false,
    disableTouch: true,
    ttl: config.absoluteTimeoutHours * 3600,
    pruneSessionInterval: config.env === 'test' ? false : 15 * 60,
    errorLog: (...args: unknown[]) => logger.warn({ args }, 'session store'),
  });
  const handler = session({
    name: SESSION_COOKIE,
    secret: config.sessionSecret,
    store,
    resave: false,
    saveUninitialized: false,
    rolling: false,
    unset: 'destroy',
    // No maxAge: the cookie ends with the browser; the store row ends with the absolute timeout.
    cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', path: '/' },
  });
  return [handler, sessionTimeouts(config)];
}

const CLOCK_RESOLUTION_MS = 60_000;

// Marks a session as one whose age and idleness are enforced (signed in, or a journey under way).
export function startSessionClock(req: Request): void {
  const now = Date.now();
  req.session.createdAt = now;
  req.session.lastSeenAt = now;
}

export function sessionTimeouts(config: Pick<Config, 'idleTimeoutMinutes' | 'absoluteTimeoutHours'>): RequestHandler {
  const idleMs = config.idleTimeoutMinutes * 60_000;
  const absoluteMs = config.absoluteTimeoutHours * 3_600_000;
  return (req, _res, next) => {
    const s = req.session;
    if (!s || s.createdAt === undefined) return next();
    const now = Date.now();
    const lastSeen = s.lastSeenAt ?? s.createdAt;
    if (now - s.createdAt > absoluteMs || now - lastSeen > idleMs) {
      // Ended: the old row goes from the store and a fresh, empty session takes its place.
      s.regenerate((error) => {
        if (error) return next(error);
        req.session.flash = { kind: 'info', text: 'Your session ended after a period of inactivity or time limit. Sign in again to continue.' };
        next();
      });
      return;
    }
    if (now - lastSeen >= CLOCK_RESOLUTION_MS) s.lastSeenAt = now;
    next();
  };
}

// Ends every stored session of a user, except (optionally) the one making the request.
export async function endSessionsOfUser(pool: pg.Pool, userKey: string, exceptSessionId?: string): Promise<number> {
  const result = await pool.query(
    `DELETE FROM session WHERE sess->'passport'->'user'->>'key' = $1 AND ($2::text IS NULL OR sid <> $2)`,
    [userKey, exceptSessionId ?? null],
  );
  return result.rowCount ?? 0;
}
