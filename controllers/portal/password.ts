import type { RequestHandler } from 'express';
import type { RouterDeps } from '../../lib/deps.ts';
import { paths } from '../../lib/paths.ts';
import { renderFailedForm } from '../../lib/forms/failedForm.ts';
import { refusedForm } from '../../lib/forms/result.ts';
import { signIn } from '../../lib/auth/passport.ts';
import { passwordContextFor } from '../../validators/registration.ts';
import { endSessionsOfUser } from '../../models/sessions.ts';
import { changeCustomerPassword } from '../../models/customerUsers.ts';
import { readChangePassword } from '../../validators/portal.ts';
import { checkCurrentPassword } from '../shared/currentPassword.ts';

const VIEW = 'shared/changePassword';
const LOCALS = { title: 'Change your password', activeTab: 'settings', links: { settings: paths.portal.settings, changePassword: paths.portal.changePassword } };

export const get: RequestHandler = (_req, res) => res.render(VIEW, LOCALS);

// Needs the current password; the new one ends every other session of this customer, and
// this session carries on under a new id.
export function post(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const user = req.user!;
    const form = readChangePassword(req.body, passwordContextFor(user.email, deps.config.brandName, ...user.name.split(/\s+/)));
    if (!form.ok) return renderFailedForm(res, VIEW, form, LOCALS);
    const wrong = await checkCurrentPassword(deps, user, form.value.currentPassword);
    if (wrong) return renderFailedForm(res, VIEW, refusedForm({}, { currentPassword: wrong.message }), LOCALS, wrong.status);
    await changeCustomerPassword(deps.db, user, form.value.password, { action: 'customer.password_changed', address: req.ip });
    await signIn(req, user);
    await endSessionsOfUser(deps.db, user.key, req.sessionID);
    req.session.flash = { kind: 'success', text: 'Your password has been changed. You have been signed out everywhere else.' };
    res.redirect(303, paths.portal.settings);
  };
}
