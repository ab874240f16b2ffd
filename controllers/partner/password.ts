// A partner user changes their own password (Settings): the current password is needed
// (throttled, controllers/shared/currentPassword.ts); every other session of theirs ends and
// this one carries on under a new id.
import type { RequestHandler } from 'express';
import type { RouterDeps } from '../../lib/deps.ts';
import { paths } from '../../lib/paths.ts';
import { renderFailedForm } from '../../lib/forms/failedForm.ts';
import { refusedForm } from '../../lib/forms/result.ts';
import { signIn } from '../../lib/auth/passport.ts';
import { passwordContextFor } from '../../validators/registration.ts';
import { readChangePassword } from '../../validators/portal.ts';
import { endSessionsOfUser } from '../../models/sessions.ts';
import { changePartnerPassword } from '../../models/partners.ts';
import { checkCurrentPassword } from '../shared/currentPassword.ts';

const VIEW = 'shared/changePassword';
const LOCALS = { title: 'Change your password', activeTab: 'settings', links: { settings: paths.partner.settings, changePassword: paths.partner.changePassword } };

export const get: RequestHandler = (_req, res) => res.render(VIEW, LOCALS);

export function post(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const user = req.user!;
    const context = passwordContextFor(user.email, deps.config.brandName, user.partnerName ?? '', ...user.name.split(/\s+/));
    const form = readChangePassword(req.body, context);
    if (!form.ok) return renderFailedForm(res, VIEW, form, LOCALS);
    const wrong = await checkCurrentPassword(deps, user, form.value.currentPassword);
    if (wrong) return renderFailedForm(res, VIEW, refusedForm({}, { currentPassword: wrong.message }), LOCALS, wrong.status);
    await changePartnerPassword(deps.db, user, form.value.password, req.ip);
    await signIn(req, user);
    await endSessionsOfUser(deps.db, user.key, req.sessionID);
    req.session.flash = { kind: 'success', text: 'Your password has been changed. You have been signed out everywhere else.' };
    res.redirect(303, paths.partner.settings);
  };
}
