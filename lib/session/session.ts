// The request's side of sessions: express-session over the store (lib/session/store.ts), a
// changed session stored before a redirect leaves, and the idle and absolute timeouts.
import session from 'express-session';
import type { Request, RequestHandler } from 'express';
import type { Config } from '../boot/config.ts';
import type { Logger } from '../boot/logger.ts';
import type { SessionStore } from './store.ts';

export { createSessionStore, SessionStore } from './store.ts';

export const SESSION_COOKIE = 'portal.sid';

// The cookie is HttpOnly, SameSite=Lax, Secure whenever the request came over HTTPS, and has
// no Max-Age: it ends with the browser. The timeouts are kept in the session itself (below);
// the stored row expires SESSION_ABSOLUTE_HOURS after its last write.
export const sessionCookieOptions = { httpOnly: true, sameSite: 'lax', secure: 'auto', path: '/' } as const;

export function sessionMiddleware(config: Config, store: SessionStore, logger: Logger): RequestHandler[] {
  const handler = session({
    name: SESSION_COOKIE,
    secret: config.sessionSecret,
    store,
    // Only a changed session is written, and a visitor who never needs one gets none.
    resave: false,
    saveUninitialized: false,
    rolling: false,
    cookie: sessionCookieOptions,
  });
  // A session the store cannot read (the database is briefly away) takes the request to the
  // error page, the 503, without a session: nothing of it is written or ended, so nobody is
  // signed out by a passing fault. A save that fails after the answer went out (express-session
  // then calls next() a second time) can only be logged: the answer is already whole.
  const loadSession: RequestHandler = (req, res, next) => {
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
