// A partner user's own details (Settings): their name; their email address, changed once the
// link sent to the new address is opened and confirmed; and which emails they want.
import type { Request, RequestHandler, Response } from 'express';
import type { RouterDeps } from '../../lib/deps.ts';
import { paths } from '../../lib/paths.ts';
import { signIn } from '../../lib/auth/passport.ts';
import { linkWasKnown, refuseIfGuessing } from '../../lib/auth/linkThrottle.ts';
import { renderFailedForm } from '../../lib/forms/failedForm.ts';
import { refusedForm } from '../../lib/forms/result.ts';
import { minutesText, takePlace } from '../../models/rateLimits.ts';
import {
  changeOwnName,
  confirmEmailChange,
  EMAIL_CHANGE_HOURS,
  EmailChangeRefused,
  findEmailChange,
  requestEmailChange,
  setEmailPreferences,
  type EmailChangeLink,
} from '../../models/partnerUserSettings.ts';
import { readEmailChange, readEmailPreferences, readName } from '../../validators/userSettings.ts';
import { checkCurrentPassword } from '../shared/currentPassword.ts';

// ---- Name ----

const NAME_LOCALS = { title: 'Change your name', activeTab: 'settings' };

export const nameGet: RequestHandler = (req, res) => res.render('partner/changeName', { ...NAME_LOCALS, values: { name: req.user!.name } });

export function namePost(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const user = req.user!;
    const form = readName(req.body);
    if (!form.ok) return renderFailedForm(res, 'partner/changeName', form, NAME_LOCALS);
    await changeOwnName(deps.db, user, form.value, req.ip);
    // The session carries the name the header shows.
    await signIn(req, { ...user, name: form.value });
    req.session.flash = { kind: 'success', text: 'Your name has been changed.' };
    res.redirect(303, paths.partner.settings);
  };
}

// ---- Email address ----

const EMAIL_LOCALS = { title: 'Change your email address', activeTab: 'settings', hours: EMAIL_CHANGE_HOURS };

export const emailGet: RequestHandler = (_req, res) => res.render('partner/changeEmail', { ...EMAIL_LOCALS, values: { email: '' } });

export function emailPost(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const user = req.user!;
    const form = readEmailChange(req.body);
    if (!form.ok) return renderFailedForm(res, 'partner/changeEmail', form, EMAIL_LOCALS);
    const wrong = await checkCurrentPassword(deps, user, form.value.password);
    if (wrong) return renderFailedForm(res, 'partner/changeEmail', refusedForm({ email: form.value.email }, { password: wrong.message }), EMAIL_LOCALS, wrong.status);
    const place = await takePlace(deps.db, 'partner-email-change', String(user.id));
    if (!place.taken) {
      return renderFailedForm(res, 'partner/changeEmail', refusedForm({ email: form.value.email }, { email: `Too many changes asked for. Try again in ${minutesText(place.retryAfterSeconds)}.` }), EMAIL_LOCALS, 429);
    }
    try {
      await requestEmailChange(deps.db, user, form.value.email, { config: deps.config, address: req.ip });
    } catch (error) {
      if (!(error instanceof EmailChangeRefused)) throw error;
      return renderFailedForm(res, 'partner/changeEmail', refusedForm({ email: form.value.email }, { email: error.message }), EMAIL_LOCALS);
    }
    req.session.flash = { kind: 'success', text: `We sent a link to ${form.value.email}. Open it within ${EMAIL_CHANGE_HOURS} hours to confirm your new email address; until then you sign in with ${user.email}.` };
    res.redirect(303, paths.partner.settings);
  };
}

// The emailed link: public (it may be opened in another browser); the page confirms with a POST.
async function openEmailChange(deps: RouterDeps, req: Request, res: Response): Promise<{ token: string; change: EmailChangeLink } | undefined> {
  const token = typeof req.params.token === 'string' ? req.params.token : '';
  const place = await refuseIfGuessing(deps.db, req);
  const change = await findEmailChange(deps.db, token);
  if (change) await linkWasKnown(deps.db, place);
  if (!change || change.state !== 'valid') {
    renderProblem(res, change?.state === 'expired' ? 'expired' : 'no_longer_works');
    return undefined;
  }
  return { token, change };
}

type Problem = 'expired' | 'no_longer_works' | 'email_in_use';

function renderProblem(res: Response, reason: Problem): void {
  const titles: Record<Problem, string> = {
    expired: 'This link has expired',
    no_longer_works: 'This link no longer works',
    email_in_use: 'This email address is already used',
  };
  res.status(reason === 'expired' ? 410 : reason === 'email_in_use' ? 409 : 404).render('partner/emailChangeProblem', { title: titles[reason], reason });
}

export function confirmGet(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const open = await openEmailChange(deps, req, res);
    if (open) res.render('partner/confirmEmailChange', { title: 'Confirm your new email address', action: paths.partner.confirmEmailChange(open.token), newEmail: open.change.newEmail });
  };
}

export function confirmPost(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const open = await openEmailChange(deps, req, res);
    if (!open) return;
    const result = await confirmEmailChange(deps.db, open.change.id, req.ip);
    if (result.outcome !== 'changed') return renderProblem(res, result.outcome);
    const text = `Your email address is now ${result.user.email}. Sign in with it from now on.`;
    // The same user's session carries on, under the new address and a new id; any other ended.
    if (req.user?.kind === 'partner' && req.user.id === result.user.id) {
      await signIn(req, result.user);
      req.session.flash = { kind: 'success', text };
      return res.redirect(303, paths.partner.settings);
    }
    req.session.flash = { kind: 'success', text };
    res.redirect(303, paths.partner.signIn);
  };
}

// ---- Which emails ----

export function preferencesPost(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    await setEmailPreferences(deps.db, req.user!, readEmailPreferences(req.body), req.ip);
    req.session.flash = { kind: 'success', text: 'Your email choices have been saved.' };
    res.redirect(303, paths.partner.settings);
  };
}
