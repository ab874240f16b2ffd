// Sign-in and sign-out, one controller for partner users and customers: the same form, the
// same throttles (lib/auth/signInThrottle.ts) and the same session rules; only the pages and
// the passport strategy differ.
import type { Request, RequestHandler, Response } from 'express';
import { checkCredentials, safeNext, signIn, signOut, type SessionUser } from '../../lib/auth/passport.ts';
import type { SignInScope } from '../../lib/auth/signInThrottle.ts';
import type { RouterDeps } from '../../lib/deps.ts';
import { renderFailedForm } from '../../lib/forms/failedForm.ts';
import { readSignIn } from '../../validators/signIn.ts';
import type { SignInFailure } from '../../models/signInEvents.ts';

export interface SignInPages {
  scope: SignInScope;
  view: string;
  title: string;
  signInPath: string;
  // Where a user goes after signing in when the page that asked for it is not given.
  home: string;
  // The `next` page must start with this: a sign-in never sends anyone off this area.
  area: string;
  // Records a refused attempt (partner sign-ins are in the partner's Activity).
  onRefused?: (deps: RouterDeps, attempt: RefusedSignIn) => Promise<void>;
  // After a right password: the address of a second step (two-factor), when one is needed;
  // the session is then not signed in yet.
  afterPassword?: (deps: RouterDeps, req: Request, user: SessionUser, next: string) => Promise<string | undefined>;
  // Once signed in (partner sign-ins are in the partner's Activity).
  onSignedIn?: (deps: RouterDeps, req: Request, user: SessionUser) => Promise<void>;
}

export interface RefusedSignIn {
  email: string;
  address: string | undefined;
  outcome: SignInFailure;
}

export function signInController(pages: SignInPages) {
  const destination = (req: Request) => safeNext(req.query.next, pages.home, pages.area);
  const locals = (req: Request) => ({
    title: pages.title,
    next: safeNext(req.query.next, '', pages.area),
    signedOut: req.query['signed-out'] !== undefined,
  });

  const get: RequestHandler = (req, res: Response) => {
    if (req.user?.kind === pages.scope) return res.redirect(303, destination(req));
    res.render(pages.view, { ...locals(req), values: { email: '' } });
  };

  function post(deps: RouterDeps): RequestHandler {
    return async (req, res) => {
      const form = readSignIn(req.body);
      if (!form.ok) return renderFailedForm(res, pages.view, form, locals(req));
      const checked = await checkCredentials(deps.passport, pages.scope, req, res, form.value);
      // A wrong email or password, or a pause: one message at the top (which of the two was
      // wrong is not said, so not beside a field), the email kept.
      if (!checked.user) {
        await pages.onRefused?.(deps, { email: form.value.email.trim().toLowerCase(), address: req.ip, outcome: checked.reason });
        const refused = { ok: false as const, errors: { summary: [{ text: checked.message, href: '#field-email' }], fields: {} }, values: { email: form.value.email } };
        return renderFailedForm(res, pages.view, refused, locals(req));
      }
      const secondStep = await pages.afterPassword?.(deps, req, checked.user, destination(req));
      if (secondStep) return res.redirect(303, secondStep);
      await signIn(req, checked.user);
      await pages.onSignedIn?.(deps, req, checked.user);
      res.redirect(303, destination(req));
    };
  }

  const signOutPost: RequestHandler = async (req, res) => {
    await signOut(req, res);
    res.redirect(303, `${pages.signInPath}?signed-out`);
  };

  return { get, post, signOutPost };
}
