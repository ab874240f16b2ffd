import type { Request, RequestHandler, Response } from 'express';
import { paths } from '../../lib/paths.ts';
import { formErrors, type FieldProblems } from '../../lib/validation.ts';
import { safeNext, signIn, signOut, type SessionUser, type SignInInfo } from '../../lib/auth.ts';
import { SESSION_COOKIE } from '../../lib/session.ts';
import type { RouterDeps } from '../../routes/index.ts';
import { readSignIn } from '../../validators/portal.ts';

function render(req: Request, res: Response, status: number, email: string, message?: string, problems: FieldProblems = {}) {
  const errors = message ? { summary: [{ text: message, href: '#field-email' }], fields: {} } : formErrors(problems);
  res.status(status).render('portal/signIn', {
    title: `${errors ? 'Error: ' : ''}Sign in to your account`,
    errors,
    values: { email },
    next: typeof req.query.next === 'string' ? req.query.next : '',
    signedOut: req.query['signed-out'] !== undefined,
  });
}

export const get: RequestHandler = (req, res) => {
  if (req.user?.kind === 'customer') return res.redirect(303, paths.portal.home);
  render(req, res, 200, '');
};

// The customer's own strategy: same throttling and session rules as the partner's.
export function post(deps: RouterDeps): RequestHandler {
  return (req, res, next) => {
    const form = readSignIn(req.body);
    if (form.problems.email || form.problems.password) return render(req, res, 422, form.email, undefined, form.problems);
    req.body = { email: form.email, password: form.password };
    deps.passport.authenticate('customer', { session: false }, (error: unknown, user: SessionUser | false, info?: SignInInfo) => {
      if (error) return next(error);
      if (!user) return render(req, res, 422, form.email, info?.message ?? 'The email address or password is not right.');
      const destination = safeNext(typeof req.query.next === 'string' ? req.query.next : undefined, paths.portal.home, paths.portal.home);
      signIn(req, user)
        .then(() => res.redirect(303, destination), next);
    })(req, res, next);
  };
}

export const signOutPost: RequestHandler = async (req, res) => {
  await signOut(req);
  res.clearCookie(SESSION_COOKIE, { path: '/' });
  res.redirect(303, `${paths.portal.signIn}?signed-out`);
};
