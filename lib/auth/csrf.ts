// CSRF protection: csurf in session mode, its token handed to the views that draw forms.
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
  // csurf gives every session without a secret one at once, which would store a session for
  // every visitor of every page (a redirect to sign-in, a 404). The secret it made is taken
  // back, and `req.csrfToken()` makes one again when a form asks for a token.
  const secretOnlyForForms: RequestHandler = (req, res, next) => {
    const session = req.session;
    if (!session || session.csrfSecret !== undefined) return protect(req, res, next);
    protect(req, res, (error?: unknown) => {
      delete session.csrfSecret;
      next(error);
    });
  };
  const exposeToken: RequestHandler = (req, res, next) => {
    res.locals.csrfToken = () => req.csrfToken();
    next();
  };
  return [secretOnlyForForms, exposeToken];
}
