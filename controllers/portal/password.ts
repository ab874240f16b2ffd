import type { RequestHandler, Response } from 'express';
import type { RouterDeps } from '../../lib/deps.ts';
import { paths } from '../../lib/paths.ts';
import { formErrors, type FieldProblems } from '../../lib/forms/validation.ts';
import { signIn } from '../../lib/auth/passport.ts';
import { passwordContextFor } from '../../validators/registration.ts';
import { endSessionsOfUser } from '../../models/sessions.ts';
import { changeCustomerPassword } from '../../models/customerUsers.ts';
import { readChangePassword } from '../../validators/portal.ts';
import { checkCurrentPassword } from './currentPassword.ts';

function render(res: Response, status: number, problems: FieldProblems = {}) {
  const errors = formErrors(problems);
  res.status(status).render('portal/changePassword', { title: `${errors ? 'Error: ' : ''}Change your password`, activeTab: 'settings', errors });
}

export const get: RequestHandler = (_req, res) => render(res, 200);

// Needs the current password; the new one ends every other session of this customer, and
// this session carries on under a new id.
export function post(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const user = req.user!;
    const form = readChangePassword(req.body, passwordContextFor(user.email, deps.config.brandName, ...user.name.split(/\s+/)));
    if (Object.values(form.problems).some(Boolean)) return render(res, 422, form.problems);
    const wrong = await checkCurrentPassword(deps, user, form.currentPassword);
    if (wrong) return render(res, wrong.status, { currentPassword: wrong.message });
    await changeCustomerPassword(deps.db, user, form.password, { action: 'customer.password_changed', address: req.ip });
    await signIn(req, user);
    await endSessionsOfUser(deps.db, user.key, req.sessionID);
    req.session.flash = { kind: 'success', text: 'Your password has been changed. You have been signed out everywhere else.' };
    res.redirect(303, paths.portal.settings);
  };
}
