import csurf from 'csurf';
import type { RequestHandler } from 'express';

// CSRF tokens kept in the session (never cookie mode): every form POST carries `_csrf`.
// Views include partials/csrf, which asks for a token only when a form is drawn, so
// pages without forms create no session.
export function csrfProtection(): RequestHandler[] {
  const protect = csurf({ cookie: false, sessionKey: 'session', value: (req) => {
      const token = (req.body as Record<string, unknown> | undefined)?._csrf;
      return typeof token === 'string' ? token : '';
    } });
  const exposeToken: RequestHandler = (req, res, next) => {
    res.locals.csrfToken = () => req.csrfToken();
    next();
  };
  return [protect, exposeToken];
}
