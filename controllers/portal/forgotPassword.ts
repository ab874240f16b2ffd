import type { RequestHandler, Response } from 'express';
import type { RouterDeps } from '../../lib/deps.ts';
import { paths } from '../../lib/paths.ts';
import { formErrors, type FieldProblems } from '../../lib/forms/validation.ts';
import { takeHit, type Limit } from '../../models/rateLimits.ts';
import { requestPasswordReset } from '../../models/passwordResets.ts';
import { readForgotPassword } from '../../validators/portal.ts';

const perAddress: Limit = { bucket: 'password-reset-address', max: 30, windowSeconds: 3600 };
const perEmail: Limit = { bucket: 'password-reset-email', max: 3, windowSeconds: 3600 };

function render(res: Response, status: number, email: string, problems: FieldProblems = {}) {
  const errors = formErrors(problems);
  res.status(status).render('portal/forgotPassword', { title: `${errors ? 'Error: ' : ''}Reset your password`, errors, values: { email } });
}

export const get: RequestHandler = (req, res) => {
  if (req.query.sent !== undefined) return res.render('portal/forgotPasswordSent', { title: 'Check your email' });
  render(res, 200, '');
};

// The answer is the same whether or not the address has an account, and whether or not a
// limit stopped the email.
export function post(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const form = readForgotPassword(req.body);
    if (form.problems.email) return render(res, 422, form.email, form.problems);
    const byAddress = await takeHit(deps.db, perAddress, req.ip ?? 'unknown');
    const byEmail = byAddress.limited ? byAddress : await takeHit(deps.db, perEmail, form.email.toLowerCase());
    if (!byEmail.limited) await requestPasswordReset(deps.db, form.email, deps.config);
    res.redirect(303, `${paths.portal.forgotPassword}?sent`);
  };
}
