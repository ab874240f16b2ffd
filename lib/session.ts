import crypto from 'node:crypto';
import type { CookieOptions, Request, RequestHandler, Response } from 'express';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import { newRevision } from './sessionCache.ts';
import type { SessionStorage, StoredSession } from './sessionStore.ts';

export { createSessionStorage, type SessionStorage } from './sessionStore.ts';

export const SESSION_COOKIE = 'portal.sid';
// The revision of the session the browser last received (lib/sessionCache.ts). Not a
// secret: without the session cookie it opens nothing.
export const REVISION_COOKIE = 'portal.rev';

// Both cookies: HttpOnly, SameSite=Lax, Secure whenever the request came over HTTPS, and no
// Max-Age (they end with the browser; the stored session ends with the absolute timeout).
const cookieOptions = (req: Request): CookieOptions => ({ httpOnly: true, sameSite: 'lax', secure: req.secure, path: '/' });

// Expired rows leave the table this often (never in tests, which age sessions on purpose).
const PRUNE_EVERY_MS = 15 * 60_000;

// Sessions live in PostgreSQL (lib/sessionStore.ts). This is the request's side of them, made
// for this portal rather than taken from express-session, because a signed-in page must cost
// next to nothing beyond its own work (`npm run bench`):
// - an unchanged session is never written, and is read from this instance's memory when the
//   browser presents the revision that memory holds (lib/sessionCache.ts), so a signed-in
//   page costs no round trip for it;
// - a changed session (a draft, a flash, a sign-in, the idle clock) is stored before the
//   answer leaves, so a browser that follows a redirect at once, or opens another tab, always
//   finds what the last answer relied on; if it cannot be stored, the answer is the 503 page,
//   not a page whose next step would find nothing;
// - a session already stored is only ever updated: one ended meanwhile (signed out in another
//   tab, ended by a password change) stays ended.
//
// The cookie is as express-session wrote it ("s:<id>.<HMAC-SHA256, base64>"), so sessions
// outlive the switch. passport keeps working through `regenerate`, `save` and `destroy`,
// which it uses at sign-in and sign-out.

interface SessionState {
  req: Request;
  res: Response;
  // Undefined until the session is first stored: a visitor who never needs one costs no id.
  sid: string | undefined;
  // Not stored yet under this id: the first write inserts it.
  isNew: boolean;
  // The JSON text last read or written: the session changed when its JSON no longer matches.
  stored: string;
  // Destroyed, regenerated, or ended elsewhere: never written again.
  ended: boolean;
}

// What a session holds is its own enumerable properties, which JSON.stringify writes; its
// methods and where it belongs are never part of that.
export class Session {
  readonly #state: SessionState;
  readonly #storage: SessionWrites;

  constructor(state: SessionState, storage: SessionWrites, data?: Record<string, unknown>) {
    this.#state = state;
    this.#storage = storage;
    if (data) Object.assign(this, data);
  }

  // Stores the session now if it changed (passport saves right after signing in).
  save(callback?: (error?: unknown) => void): void {
    this.#storage.persist(this, this.#state).then(() => callback?.(), (error: unknown) => callback?.(error));
  }

  // A fresh, empty session with a new id takes this one's place (sign-in, a timeout); this one
  // leaves the store.
  regenerate(callback: (error?: unknown) => void): void {
    const state = this.#state;
    this.#storage.end(state).then(
      () => {
        attachSession(state.req, state.res, this.#storage, undefined, undefined);
        callback();
      },
      (error: unknown) => callback(error),
    );
  }

  // Ends the session here and in the store (sign-out).
  destroy(callback: (error?: unknown) => void): void {
    const state = this.#state;
    this.#storage.end(state).then(
      () => {
        Reflect.deleteProperty(state.req, 'session');
        state.req.sessionID = undefined;
        callback();
      },
      (error: unknown) => callback(error),
    );
  }

  // Written to since it was read or last stored (and not ended)?
  static changed(session: Session): boolean {
    const state = session.#state;
    return !state.ended && JSON.stringify(session) !== state.stored;
  }
}

interface SessionWrites {
  persist(session: Session, state: SessionState): Promise<void>;
  end(state: SessionState): Promise<void>;
}

function attachSession(req: Request, res: Response, writes: SessionWrites, sid: string | undefined, stored: StoredSession | undefined): void {
  const state: SessionState = { req, res, sid, isNew: stored === undefined, stored: stored?.json ?? '{}', ended: false };
  const session = new Session(state, writes, stored?.data);
  req.session = session as Request['session'];
  req.sessionID = stored ? sid : undefined;
}

// What passport.session() did: the user signed in on this session, as kept at sign-in.
function signedInUser(stored: StoredSession | undefined): Express.User | undefined {
  return (stored?.data.passport as { user?: Express.User } | undefined)?.user;
}

// A cookie's value, without parsing the whole header: a page needs only these two.
function cookieValue(header: string, name: string): string | undefined {
  const key = `${name}=`;
  let at = header.indexOf(key);
  while (at > 0 && header[at - 1] !== ' ' && header[at - 1] !== ';') at = header.indexOf(key, at + 1);
  if (at === -1) return undefined;
  const start = at + key.length;
  const stop = header.indexOf(';', start);
  const value = header.slice(start, stop === -1 ? undefined : stop).trim();
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

const REVISION_FORMAT = /^[\w-]{1,64}$/;

function signature(secret: string, sid: string): string {
  return crypto.createHmac('sha256', secret).update(sid).digest('base64').replace(/=+$/, '');
}

// The session id the cookie carries, if its signature is ours.
function unsign(secret: string, value: string): string | undefined {
  if (!value.startsWith('s:')) return undefined;
  const dot = value.lastIndexOf('.');
  if (dot < 3) return undefined;
  const sid = value.slice(2, dot);
  const given = Buffer.from(value.slice(dot + 1));
  const expected = Buffer.from(signature(secret, sid));
  return given.length === expected.length && crypto.timingSafeEqual(given, expected) ? sid : undefined;
}

function newSessionId(): string {
  return crypto.randomBytes(24).toString('base64url');
}

export function revisionPresented(req: Request): string | undefined {
  const cookies = req.headers.cookie;
  const revision = cookies ? cookieValue(cookies, REVISION_COOKIE) : undefined;
  return revision !== undefined && REVISION_FORMAT.test(revision) ? revision : undefined;
}

export type ErrorResponder = (error: unknown, req: Request, res: Response) => void;

export function sessionMiddleware(config: Config, storage: SessionStorage, logger: Logger, respondWithError: ErrorResponder): RequestHandler[] {
  const secret = config.sessionSecret;
  const lifetimeSeconds = config.absoluteTimeoutHours * 3600;
  if (config.env !== 'test') storage.prunePeriodically(PRUNE_EVERY_MS, logger);

  const writes: SessionWrites = {
    async persist(session, state) {
      if (!Session.changed(session)) return;
      // Every stored change gets a new revision, and the browser learns it with this answer.
      const rev = newRevision();
      (session as Request['session']).rev = rev;
      const json = JSON.stringify(session);
      state.sid ??= newSessionId();
      const written = await storage.write(state.sid, json, rev, state.isNew, lifetimeSeconds);
      if (!written) {
        state.ended = true;
        return;
      }
      state.stored = json;
      const { req, res } = state;
      if (state.isNew) {
        state.isNew = false;
        req.sessionID = state.sid;
        if (!res.headersSent) res.cookie(SESSION_COOKIE, `s:${state.sid}.${signature(secret, state.sid)}`, cookieOptions(req));
      }
      if (!res.headersSent) res.cookie(REVISION_COOKIE, rev, cookieOptions(req));
    },
    async end(state) {
      const stored = state.sid !== undefined && !state.isNew && !state.ended;
      state.ended = true;
      if (stored) await storage.remove(state.sid!);
    },
  };

  // A changed session is stored before the answer goes: `end` waits for the write. An
  // unchanged one costs one JSON.stringify.
  function storeBeforeAnswering(req: Request, res: Response): void {
    const end = res.end;
    res.end = function (this: Response, ...args: unknown[]) {
      res.end = end;
      const session = req.session as Session | undefined;
      if (!session) {
        // Ended during the request: the browser's revision means nothing now.
        if (!res.headersSent && revisionPresented(req)) res.clearCookie(REVISION_COOKIE, cookieOptions(req));
        return end.apply(this, args as Parameters<Response['end']>);
      }
      if (!Session.changed(session)) return end.apply(this, args as Parameters<Response['end']>);
      session.save((error) => {
        if (!error) return end.apply(this, args as Parameters<Response['end']>);
        // Not stored: the user is told so (the 503 page) instead of getting a page that relies on it.
        if (res.headersSent) return res.destroy(error as Error);
        res.removeHeader('Location');
        res.removeHeader('Set-Cookie');
        respondWithError(error, req, res);
      });
      return this;
    } as Response['end'];
  }

  const loadSession: RequestHandler = (req, res, next) => {
    const cookies = req.headers.cookie;
    const signed = cookies ? cookieValue(cookies, SESSION_COOKIE) : undefined;
    const sid = signed === undefined ? undefined : unsign(secret, signed);
    if (sid === undefined) {
      attachSession(req, res, writes, undefined, undefined);
      req.user = undefined;
      storeBeforeAnswering(req, res);
      return next();
    }
    const copy = storage.cache.get(sid, revisionPresented(req));
    if (copy !== undefined) {
      const stored = { json: copy, data: JSON.parse(copy) as Record<string, unknown> };
      attachSession(req, res, writes, sid, stored);
      req.user = signedInUser(stored);
      storeBeforeAnswering(req, res);
      return next();
    }
    storage.read(sid).then(
      (stored) => {
        // None stored (ended, expired): a fresh session, under a new id if it is ever stored.
        attachSession(req, res, writes, stored ? sid : undefined, stored);
        req.user = signedInUser(stored);
        storeBeforeAnswering(req, res);
        next();
      },
      // Unreadable (the database is briefly away): the error page, without a session, so
      // nothing of it is written or ended at the end of the request.
      (error: unknown) => next(error),
    );
  };
  return [loadSession, sessionTimeouts(config)];
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
        req.user = undefined;
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
