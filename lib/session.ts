import session from 'express-session';
import connectPgSimple from 'connect-pg-simple';
import onHeaders from 'on-headers';
import pg from 'pg';
import type { CookieOptions, Request, RequestHandler } from 'express';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import { newRevision, SessionCache } from './sessionCache.ts';

export const SESSION_COOKIE = 'portal.sid';
// The revision of the session the browser last received (lib/sessionCache.ts). Not a
// secret: without the session cookie it opens nothing.
export const REVISION_COOKIE = 'portal.rev';
// As the session cookie's: Secure whenever the request came over HTTPS.
const revisionCookieOptions = (req: Request): CookieOptions => ({ httpOnly: true, sameSite: 'lax', secure: req.secure, path: '/' });

// Where sessions are kept: their own small pool, so a page's queries never wait behind
// session reads or the other way round (a session read or write is one short query: half
// as many connections as the pages' pool is plenty), and the in-memory copies.
export interface SessionStorage {
  pool: pg.Pool;
  cache: SessionCache;
  end(): Promise<void>;
}

export function createSessionStorage(databaseUrl: string, logger: Logger, pagesPoolSize: number): SessionStorage {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: Math.ceil(pagesPoolSize / 2), connectionTimeoutMillis: 5000 });
  pool.on('error', (error) => logger.warn({ err: error }, 'session pool connection lost'));
  const cache = new SessionCache(databaseUrl, logger);
  void cache.start();
  return {
    pool,
    cache,
    async end() {
      await cache.stop();
      await pool.end();
    },
  };
}

// Sessions live in PostgreSQL (the `session` table comes from a migration). The store is
// never written on a plain read: the idle clock below writes at most once a minute, so a
// signed-in page does not write to the database on every request; and an unchanged session
// is read from this instance's memory (lib/sessionCache.ts), so it costs no round trip either.
export function sessionMiddleware(config: Config, storage: SessionStorage, logger: Logger): RequestHandler[] {
  const { pool, cache } = storage;
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

  // The revision the browser presented, for the store's read below: express-session reads
  // the session synchronously inside `handler`, so it is set just around that call.
  let presentedRevision: string | undefined;
  const read = store.get.bind(store);
  const write = store.set.bind(store);
  const remove = store.destroy.bind(store);
  store.get = (sid, callback) => {
    const copy = cache.get(sid, presentedRevision);
    if (copy) return process.nextTick(callback, null, copy);
    const ticket = cache.begin(sid);
    read(sid, (error, stored) => {
      cache.finish(ticket, error ? undefined : (stored as { rev?: unknown } | null) ?? undefined);
      callback(error, stored);
    });
  };
  store.set = (sid, data, callback) => {
    cache.forget(sid);
    const ticket = cache.begin(sid);
    write(sid, data, (error?: unknown) => {
      cache.finish(ticket, error ? undefined : (data as { rev?: unknown }));
      callback?.(error);
    });
  };
  store.destroy = (sid, callback) => {
    cache.forget(sid);
    remove(sid, callback);
  };
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
    presentedRevision = revisionPresented(req);
    try {
      handler(req, res, (error?: unknown) => {
        if (loaded) return logger.warn({ err: error }, 'session could not be saved after the answer was sent');
        loaded = true;
        if (error) Reflect.deleteProperty(req, 'sessionID');
        next(error);
      });
    } finally {
      presentedRevision = undefined;
    }
  };
  // Revisions first: a change the idle clock makes is a change like any other.
  return [loadSession, sessionRevisions, sessionTimeouts(config)];
}

const REVISION_IN_COOKIES = new RegExp(`(?:^|;\\s*)${REVISION_COOKIE.replace('.', '\\.')}=([\\w-]{1,64})(?:;|$)`);

function revisionPresented(req: Request): string | undefined {
  const cookies = req.headers.cookie;
  return cookies ? REVISION_IN_COOKIES.exec(cookies)?.[1] : undefined;
}

// A session changed during the request gets a new revision, in the session and in a cookie,
// before the answer's headers go out (lib/sessionCache.ts); an ended one loses its cookie.
//
// And express-session stores a changed session while the answer is already on its way, so a
// browser that follows a redirect at once could arrive before the store has it (and find no
// sign-in, no journey, no flash). A redirect therefore waits for the save when the session
// changed during the request; an unchanged one costs no write.
const sessionRevisions: RequestHandler = (req, res, next) => {
  let seen = req.session ? JSON.stringify(req.session) : undefined;
  // True when the session changed since it was read or last given a revision.
  const giveRevision = (): boolean => {
    const current = req.session;
    if (!current) {
      if (revisionPresented(req)) res.clearCookie(REVISION_COOKIE, revisionCookieOptions(req));
      return false;
    }
    if (JSON.stringify(current) === seen) return false;
    current.rev = newRevision();
    seen = JSON.stringify(current);
    res.cookie(REVISION_COOKIE, current.rev, revisionCookieOptions(req));
    return true;
  };
  onHeaders(res, giveRevision);
  const redirect = res.redirect.bind(res) as (...args: unknown[]) => void;
  res.redirect = ((...args: unknown[]) => {
    if (!giveRevision()) return redirect(...args);
    req.session.save((error) => (error ? next(error) : redirect(...args)));
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

// Ends every stored session of a user, except (optionally) the one making the request. Every
// instance drops its copies as the rows go (migration 0600).
export async function endSessionsOfUser(storage: SessionStorage, userKey: string, exceptSessionId?: string): Promise<number> {
  const result = await storage.pool.query(
    `DELETE FROM session WHERE sess->'passport'->'user'->>'key' = $1 AND ($2::text IS NULL OR sid <> $2)`,
    [userKey, exceptSessionId ?? null],
  );
  return result.rowCount ?? 0;
}
