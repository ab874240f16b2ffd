import type { RequestHandler } from 'express';
import type { RouterDeps } from '../../lib/deps.ts';
import { paths } from '../../lib/paths.ts';
import { renderFailedForm } from '../../lib/forms/failedForm.ts';
import { takePlaces } from '../../models/rateLimits.ts';
import { requestPasswordReset } from '../../models/passwordResets.ts';
import { readForgotPassword } from '../../validators/portal.ts';

const TITLE = 'Reset your password';

export const get: RequestHandler = (req, res) => {
  if (req.query.sent !== undefined) return res.render('portal/forgotPasswordSent', { title: 'Check your email' });
  res.render('portal/forgotPassword', { title: TITLE, values: { email: '' } });
};

// The answer is the same whether or not the address has an account, and whether or not a
// limit stopped the email.
export function post(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const form = readForgotPassword(req.body);
    if (!form.ok) return renderFailedForm(res, 'portal/forgotPassword', form, { title: TITLE });
    const places = await takePlaces(deps.db, [
      ['password-reset-address', req.ip ?? 'unknown'],
      ['password-reset-email', form.value.toLowerCase()],
    ]);
    if (places.taken) await requestPasswordReset(deps.db, form.value, deps.config);
    res.redirect(303, `${paths.portal.forgotPassword}?sent`);
  };
}
