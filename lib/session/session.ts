import crypto from 'node:crypto';
import type { CookieOptions, Request, RequestHandler, Response } from 'express';
import type { Config } from '../boot/config.ts';
import type { Logger } from '../boot/logger.ts';
import { newRevision } from './cache.ts';
import type { SessionStorage, StoredSession } from './store.ts';

export { createSessionStorage, type SessionStorage } from './store.ts';

export const SESSION_COOKIE = 'portal.sid';
// The revision of the session the browser last received (lib/session/cache.ts). Not a
// secret: without the session cookie it opens nothing.
export const REVISION_COOKIE = 'portal.rev';

// Both cookies: HttpOnly, SameSite=Lax, Secure whenever the request came over HTTPS, and no
// Max-Age: they end with the browser. The timeouts are kept in the session itself (below);
// the stored row expires SESSION_ABSOLUTE_HOURS after its last write, for pruning.
const cookieOptions = (req: Request): CookieOptions => ({ httpOnly: true, sameSite: 'lax', secure: req.secure, path: '/' });

// Expired rows leave the table this often (never in tests, which age sessions on purpose).
const PRUNE_EVERY_MS = 15 * 60_000;

// Sessions live in PostgreSQL (lib/session/store.ts). This is the request's side of them, made
// for this portal rather than taken from express-session, because a signed-in page must cost
// next to nothing beyond its own work (`npm run bench`):
// - an unchanged session is never written, and is read from this instance's memory when the
//   browser presents the revision that memory holds (lib/session/cache.ts), so a signed-in
//   page costs no round trip for it;
// - a changed session (a draft, a flash, a sign-in, the idle clock) is stored before the
//   answer leaves, so a browser that follows a redirect at once, or opens another tab, always
//   finds what the last answer relied on; if it cannot be stored, the answer is the 503 page,
//   not a page whose next step would find nothing, and the session is not written again
//   during that request;
// - a session already stored is only ever updated: one ended meanwhile (signed out in another
//   tab, ended by a password change, expired) stays ended, and the next request finds none.
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
  // Stored under a new id, or at a new revision, that the browser has not been sent yet: the
  // cookies go once, with the answer's headers, however often the session was stored.
  idDue: boolean;
  revisionDue: boolean;
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

  static stateOf(session: Session): SessionState {
    return session.#state;
  }
}

interface SessionWrites {
  persist(session: Session, state: SessionState): Promise<void>;
  end(state: SessionState): Promise<void>;
}

function attachSession(req: Request, res: Response, writes: SessionWrites, sid: string | undefined, stored: StoredSession | undefined): void {
  const state: SessionState = { req, res, sid, isNew: stored === undefined, stored: stored?.json ?? '{}', ended: false, idDue: false, revisionDue: false };
  const session = new Session(state, writes, stored?.data);
  req.session = session as Request['session'];
  req.sessionID = stored ? sid : undefined;
}

// What passport.session() did: the user signed in on this session, as kept at sign-in.
function signedInUser(stored: StoredSession | undefined): Express.User | undefined {
  return (stored?.data.passport as { user?: Express.User } | undefined)?.user;
}

// Where a cookie's name starts a pair: at the start of the header or after ";" and spaces,
// never inside another cookie's value.
function startsPair(header: string, at: number): boolean {
  let i = at - 1;
  while (i >= 0 && (header[i] === ' ' || header[i] === '\t')) i -= 1;
  return i < 0 || header[i] === ';';
}

// A cookie's value (the first of that name, as the cookie package reads it), without parsing
// the whole header: a page needs only these two.
function cookieValue(header: string, name: string): string | undefined {
  const key = `${name}=`;
  let at = header.indexOf(key);
  while (at !== -1 && !startsPair(header, at)) at = header.indexOf(key, at + 1);
  if (at === -1) return undefined;
  const start = at + key.length;
  const stop = header.indexOf(';', start);
  let value = header.slice(start, stop === -1 ? undefined : stop).trim();
  if (value.length > 1 && value[0] === '"' && value[value.length - 1] === '"') value = value.slice(1, -1);
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
      let written: boolean;
      try {
        written = await storage.write(state.sid, json, rev, state.isNew, lifetimeSeconds);
      } catch (error) {
        // What the store holds is unknown or unchanged: nothing more of this session is
        // written during this request (a sign-in whose save failed must not be stored half).
        state.ended = true;
        throw error;
      }
      if (!written) {
        state.ended = true;
        return;
      }
      state.stored = json;
      state.revisionDue = true;
      if (state.isNew) {
        state.isNew = false;
        state.idDue = true;
        state.req.sessionID = state.sid;
      }
    },
    async end(state) {
      const stored = state.sid !== undefined && !state.isNew && !state.ended;
      state.ended = true;
      if (stored) await storage.remove(state.sid!);
    },
  };

  // The cookies for what was stored during the request. A streamed answer (the CSV export),
  // whose headers went before, keeps the old ones: the next request then reads the session
  // from the store; a session first stored during one would be lost, but only signed-in
  // users stream.
  function sendCookies(req: Request, res: Response, state: SessionState): void {
    if (res.headersSent) return;
    if (state.idDue) res.cookie(SESSION_COOKIE, `s:${state.sid}.${signature(secret, state.sid!)}`, cookieOptions(req));
    if (state.revisionDue) res.cookie(REVISION_COOKIE, (req.session as Request['session']).rev, cookieOptions(req));
    state.idDue = false;
    state.revisionDue = false;
  }

  // Headers of the answer a 503 page replaces, which would misdescribe it.
  const ANSWER_HEADERS = ['Location', 'Set-Cookie', 'Content-Type', 'Content-Length', 'Content-Disposition'];

  // A changed session is stored before the answer goes: `end` waits for the write (and
  // ignores further calls meanwhile: the first answer is the one sent). An unchanged session
  // costs one JSON.stringify.
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
      const state = Session.stateOf(session);
      if (!Session.changed(session)) {
        // Stored earlier in the request (passport saves at sign-in).
        if (state.idDue || state.revisionDue) sendCookies(req, res, state);
        return end.apply(this, args as Parameters<Response['end']>);
      }
      res.end = (() => res) as Response['end'];
      session.save((error) => {
        res.end = end;
        if (!error) {
          sendCookies(req, res, state);
          return end.apply(this, args as Parameters<Response['end']>);
        }
        if (res.headersSent) {
          // A streamed answer is whole without it (the idle clock, at most): it ends as sent.
          logger.warn({ err: error, reqId: req.id }, 'session could not be stored after a streamed answer');
          return end.apply(this, args as Parameters<Response['end']>);
        }
        // Not stored: the user is told so (the 503 page) instead of getting a page that relies on it.
        for (const name of ANSWER_HEADERS) res.removeHeader(name);
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
        // The browser holds another revision (an answer streamed, or answers of two tabs that
        // arrived out of order): it gets the current one, so its next request is served from
        // memory again.
        if (stored && stored.data.rev !== revisionPresented(req)) Session.stateOf(req.session).revisionDue = true;
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
    if (!s) return next();
    // Signed in without a clock cannot happen (sign-in starts it); if it ever did, such a
    // session would never time out, so it ends at once.
    const clockless = s.createdAt === undefined;
    if (clockless && !s.passport?.user) return next();
    const now = Date.now();
    const createdAt = s.createdAt ?? 0;
    const lastSeen = s.lastSeenAt ?? createdAt;
    if (clockless || now - createdAt > absoluteMs || now - lastSeen > idleMs) {
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
