// The request's side of sessions: express-session over the store (lib/session/store.ts), a
// changed session stored before a redirect leaves, and the idle and absolute timeouts.
import session from 'express-session';
import type { Request, RequestHandler, Response } from 'express';
import type { Config } from '../boot/config.ts';
import type { Logger } from '../boot/logger.ts';
import type { SessionStore } from './store.ts';

export { createSessionStore, SessionStore } from './store.ts';

export const SESSION_COOKIE = 'portal.sid';
// With an https APP_URL: a __Host- cookie is only taken by a browser when Secure, for path /
// and with no Domain, so no other host (a sibling subdomain) can set or replace it.
export const SECURE_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;

// The cookie is HttpOnly, SameSite=Lax and has no Max-Age: it ends with the browser. With an
// https APP_URL it is always Secure, whatever proxy headers say (express-session then sets it
// only on a request it sees as HTTPS: behind a proxy, TRUST_PROXY must say so); with an http
// APP_URL (development) it is Secure when the request came over HTTPS. The timeouts are kept
// in the session itself (below); the stored row expires SESSION_ABSOLUTE_HOURS after its last write.
export function sessionCookieFor(config: Pick<Config, 'secureCookies'>) {
  return {
    name: config.secureCookies ? SECURE_SESSION_COOKIE : SESSION_COOKIE,
    options: { httpOnly: true, sameSite: 'lax', secure: config.secureCookies ? true : 'auto', path: '/' } as const,
  };
}

// Which cookie a request's session came under, for clearSessionCookie.
const cookieOfRequest = new WeakMap<Request, ReturnType<typeof sessionCookieFor>>();

// Sign-out: the browser forgets the session cookie (with the attributes it was set with, or a
// __Host- cookie would not be cleared).
export function clearSessionCookie(req: Request, res: Response): void {
  const cookie = cookieOfRequest.get(req);
  if (!cookie) return;
  res.clearCookie(cookie.name, { path: '/', httpOnly: true, sameSite: 'lax', secure: cookie.options.secure === true || req.secure });
}

// A request that brings the session cookie twice (a cookie planted for a parent domain or
// another path beside ours: session fixation by "cookie tossing") is treated as bringing none:
// both are taken out of its Cookie header, so express-session, which would take the first,
// starts afresh. Answers the header to use.
export function withoutDuplicateCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return header;
  const pairs = header.split(';');
  const isSession = (pair: string) => {
    const at = pair.indexOf('=');
    return (at === -1 ? pair : pair.slice(0, at)).trim() === name;
  };
  if (pairs.filter(isSession).length < 2) return header;
  return pairs.filter((pair) => !isSession(pair)).join(';');
}

export function sessionMiddleware(config: Config, store: SessionStore, logger: Logger): RequestHandler[] {
  const cookie = sessionCookieFor(config);
  const handler = session({
    name: cookie.name,
    secret: config.sessionSecret,
    store,
    // Only a changed session is written, and a visitor who never needs one gets none.
    resave: false,
    saveUninitialized: false,
    rolling: false,
    cookie: cookie.options,
  });
  let warnedInsecure = false;
  // A session the store cannot read (the database is briefly away) takes the request to the
  // error page, the 503, without a session: nothing of it is written or ended, so nobody is
  // signed out by a passing fault. A save that fails after the answer went out (express-session
  // then calls next() a second time) can only be logged: the answer is already whole.
  const loadSession: RequestHandler = (req, res, next) => {
    cookieOfRequest.set(req, cookie);
    req.headers.cookie = withoutDuplicateCookie(req.headers.cookie, cookie.name);
    if (config.secureCookies && !req.secure && !warnedInsecure) {
      // express-session sets no Secure cookie on a request it sees as plain HTTP: nobody could sign in.
      warnedInsecure = true;
      logger.warn('APP_URL is https but a request came over plain HTTP: no session cookie is set. Behind a TLS proxy, set TRUST_PROXY.');
    }
    let answered = false;
    handler(req, res, (error?: unknown) => {
      if (answered) return logger.warn({ err: error, reqId: req.id }, 'session could not be saved after the answer was sent');
      answered = true;
      next(error);
    });
  };
  return [loadSession, storeBeforeAnswering, sessionTimeouts(config)];
}

// express-session stores a changed session while the answer is already on its way, so a
// browser that follows a redirect at once could arrive before the store has it (and find no
// sign-in, no journey, no flash), and a form whose CSRF secret was never stored could only
// fail when sent. So a redirect or a rendered page waits for the save when the session
// changed during the request, as express-session's documentation advises for redirects; if
// the save fails, the answer is the error page instead. An unchanged session costs one
// JSON.stringify. (A streamed answer, the CSV export, changes nothing in the session.)
const storeBeforeAnswering: RequestHandler = (req, res, next) => {
  const seen = JSON.stringify(req.session);
  const whenStored = (answer: () => void) => {
    if (!req.session || JSON.stringify(req.session) === seen) return answer();
    req.session.save((error) => (error ? (req.next ?? next)(error) : answer()));
  };
  const redirect = res.redirect.bind(res) as (...args: unknown[]) => void;
  res.redirect = ((...args: unknown[]) => whenStored(() => redirect(...args))) as typeof res.redirect;
  type Rendered = (error: Error | null, html: string) => void;
  const render = res.render.bind(res) as (view: string, options: object, callback: Rendered) => void;
  res.render = ((view: string, options?: object | Rendered, callback?: Rendered) => {
    if (typeof options === 'function') return render(view, {}, options as Rendered);
    if (callback) return render(view, options ?? {}, callback);
    // As Express's own render ends, once the session is stored.
    render(view, options ?? {}, (error, html) => (error ? (req.next ?? next)(error) : whenStored(() => res.send(html))));
  }) as typeof res.render;
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
        req.session.flash = { kind: 'info', text: 'Your session ended after a period of inactivity or time limit. Sign in again to continue.' };
        next();
      });
      return;
    }
    // The idle clock moves at most once a minute: a signed-in page view writes nothing else.
    if (now - lastSeen >= CLOCK_RESOLUTION_MS) s.lastSeenAt = now;
    next();
  };
}
