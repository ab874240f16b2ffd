import session from 'express-session';
import connectPgSimple from 'connect-pg-simple';
import pg from 'pg';
import type { Request, RequestHandler } from 'express';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';

export const SESSION_COOKIE = 'portal.sid';

// Sessions have their own small pool, so a page's queries never wait behind session reads
// or the other way round. A session read or write is one short query: half as many
// connections as the pages' pool is plenty.
export function createSessionPool(databaseUrl: string, logger: Logger, pagesPoolSize: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: Math.ceil(pagesPoolSize / 2), connectionTimeoutMillis: 5000 });
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
  // With disableTouch the store's touch does nothing, yet its mere presence makes
  // express-session send every signed-in page in two writes (all but the last byte, then
  // the last byte after the "touch"). Without it the page goes out in one.
  Object.defineProperty(store, 'touch', { value: undefined });
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
  // When the store cannot read a session (the database is briefly away), the request goes on
  // to the error page without one, and without its id: else `unset: 'destroy'` would delete
  // the stored session at the end of the request, signing the user out for a passing fault.
  // express-session reports a failed save at the end of a request by calling next() again,
  // after the answer has gone out; that would reach Express's final handler, which cuts the
  // connection, so it is logged instead.
  const loadSession: RequestHandler = (req, res, next) => {
    let loaded = false;
    handler(req, res, (error?: unknown) => {
      if (loaded) return logger.warn({ err: error }, 'session could not be saved after the answer was sent');
      loaded = true;
      if (error) Reflect.deleteProperty(req, 'sessionID');
      next(error);
    });
  };
  return [loadSession, sessionTimeouts(config), saveBeforeRedirect];
}

// express-session stores a changed session while the answer is already on its way, so a
// browser that follows a redirect at once could arrive before the store has it (and find no
// sign-in, no journey, no flash). A redirect therefore waits for the save when the session
// changed during the request; an unchanged one costs no write.
const saveBeforeRedirect: RequestHandler = (req, res, next) => {
  const loaded = req.session ? JSON.stringify(req.session) : undefined;
  const redirect = res.redirect.bind(res) as (...args: unknown[]) => void;
  res.redirect = ((...args: unknown[]) => {
    const session = req.session;
    if (!session || JSON.stringify(session) === loaded) return redirect(...args);
    session.save((error) => (error ? next(error) : redirect(...args)));
  }) as typeof res.redirect;
  next();
};

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
