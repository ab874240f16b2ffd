import type { Request, RequestHandler, Response } from 'express';
import { paths } from '../../lib/paths.ts';
import { formErrors, secretField, textField } from '../../lib/validation.ts';
import { safeNext, signIn, signOut, type SessionUser, type SignInInfo } from '../../lib/auth.ts';
import type { RouterDeps } from '../../routes/index.ts';
import { SESSION_COOKIE } from '../../lib/session.ts';

function render(req: Request, res: Response, status: number, email: string, message?: string, problems: Record<string, string | undefined> = {}) {
  const errors = message ? { summary: [{ text: message, href: '#field-email' }], fields: {} } : formErrors(problems);
  res.status(status).render('partner/signIn', {
    title: `${errors ? 'Error: ' : ''}Sign in to the Partner Portal`,
    errors,
    values: { email },
    next: typeof req.query.next === 'string' ? req.query.next : '',
    signedOut: req.query['signed-out'] !== undefined,
  });
}

export const get: RequestHandler = (req, res) => {
  if (req.user?.kind === 'partner') return res.redirect(303, paths.partner.accounts);
  render(req, res, 200, '');
};

export function post(deps: RouterDeps): RequestHandler {
  return (req, res, next) => {
    const email = textField(req.body, 'email', 254);
    const password = secretField(req.body, 'password');
    const problems = {
      email: email === '' ? 'Enter your email address' : undefined,
      password: password === '' ? 'Enter your password' : undefined,
    };
    if (problems.email || problems.password) return render(req, res, 422, email, undefined, problems);
    req.body = { email, password, _csrf: undefined };
    deps.passport.authenticate('partner', { session: false }, (error: unknown, user: SessionUser | false, info?: SignInInfo) => {
      if (error) return next(error);
      if (!user) return render(req, res, 422, email, info?.message ?? 'The email address or password is not right.');
      const destination = safeNext(typeof req.query.next === 'string' ? req.query.next : undefined, paths.partner.accounts, '/partner/');
      signIn(req, user).then(() => res.redirect(303, destination), next);
    })(req, res, next);
  };
}

export const signOutPost: RequestHandler = async (req, res) => {
  const wasCustomer = req.user?.kind === 'customer';
  await signOut(req);
  res.clearCookie(SESSION_COOKIE, { path: '/' });
  res.redirect(303, `${wasCustomer ? paths.portal.signIn : paths.partner.signIn}?signed-out`);
};
