import type { Request, RequestHandler, Response } from 'express';
import { paths } from '../../lib/paths.ts';
import { formErrors, type FieldProblems } from '../../lib/forms/validation.ts';
import { checkCredentials, safeNext, signIn, signOut } from '../../lib/auth/passport.ts';
import type { RouterDeps } from '../../lib/deps.ts';
import { readSignIn } from '../../validators/signIn.ts';

// Where a customer goes after signing in: the Portal page that asked for it, or their home.
const destination = (req: Request) => safeNext(req.query.next, paths.portal.home, paths.portal.home);

function render(req: Request, res: Response, status: number, email: string, message?: string, problems: FieldProblems = {}) {
  const errors = message ? { summary: [{ text: message, href: '#field-email' }], fields: {} } : formErrors(problems);
  res.status(status).render('portal/signIn', {
    title: `${errors ? 'Error: ' : ''}Sign in to your account`,
    errors,
    values: { email },
    next: safeNext(req.query.next, '', paths.portal.home),
    signedOut: req.query['signed-out'] !== undefined,
  });
}

export const get: RequestHandler = (req, res) => {
  if (req.user?.kind === 'customer') return res.redirect(303, destination(req));
  render(req, res, 200, '');
};

// The customer's own strategy: the same throttling and session rules as the partner's.
export function post(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const form = readSignIn(req.body);
    if (form.problems.email || form.problems.password) return render(req, res, 422, form.email, undefined, form.problems);
    const checked = await checkCredentials(deps.passport, 'customer', req, res, form);
    if (!checked.user) return render(req, res, 422, form.email, checked.message);
    await signIn(req, checked.user);
    res.redirect(303, destination(req));
  };
}

export const signOutPost: RequestHandler = async (req, res) => {
  await signOut(req, res);
  res.redirect(303, `${paths.portal.signIn}?signed-out`);
};
