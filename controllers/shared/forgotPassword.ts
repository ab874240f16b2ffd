// "Forgot your password?", one controller for customers and partner users: the same form,
// the same answer whether or not the address has a user (and whether or not a limit stopped
// the email), and throttles per network address and per email address.
import type { RequestHandler } from 'express';
import type { RouterDeps } from '../../lib/deps.ts';
import { renderFailedForm } from '../../lib/forms/failedForm.ts';
import { takePlaces, type LimitName } from '../../models/rateLimits.ts';
import { readForgotPassword } from '../../validators/portal.ts';

export interface PasswordResetLinks {
  signIn: string;
  forgotPassword: string;
}

export interface ForgotPasswordPages {
  links: PasswordResetLinks;
  limits: { address: LimitName; email: LimitName };
  // Queues the reset email for the user with this address, if there is one.
  request: (deps: RouterDeps, email: string) => Promise<void>;
}

const TITLE = 'Reset your password';

export function forgotPasswordController(pages: ForgotPasswordPages) {
  const get: RequestHandler = (req, res) => {
    if (req.query.sent !== undefined) return res.render('shared/forgotPasswordSent', { title: 'Check your email', links: pages.links });
    res.render('shared/forgotPassword', { title: TITLE, links: pages.links, values: { email: '' } });
  };

  function post(deps: RouterDeps): RequestHandler {
    return async (req, res) => {
      const form = readForgotPassword(req.body);
      if (!form.ok) return renderFailedForm(res, 'shared/forgotPassword', form, { title: TITLE, links: pages.links });
      const places = await takePlaces(deps.db, [
        [pages.limits.address, req.ip ?? 'unknown'],
        [pages.limits.email, form.value.toLowerCase()],
      ]);
      if (places.taken) await pages.request(deps, form.value);
      res.redirect(303, `${pages.links.forgotPassword}?sent`);
    };
  }

  return { get, post };
}
