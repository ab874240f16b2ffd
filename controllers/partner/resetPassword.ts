// A partner user's emailed reset link: the link, then a new password; every session of
// theirs ends and they sign in again. Partner users have no security questions.
import type { Request, RequestHandler, Response } from 'express';
import type { RouterDeps } from '../../lib/deps.ts';
import { paths } from '../../lib/paths.ts';
import { renderFailedForm } from '../../lib/forms/failedForm.ts';
import { linkWasKnown, refuseIfGuessing } from '../../lib/auth/linkThrottle.ts';
import { signInSucceeded } from '../../lib/auth/signInThrottle.ts';
import { endSessionsOfUser } from '../../models/sessions.ts';
import { findPartnerSessionUser } from '../../models/partners.ts';
import { completePartnerPasswordReset, findPartnerPasswordReset, type PartnerPasswordReset } from '../../models/partnerPasswordResets.ts';
import { passwordContextFor, readNewPassword } from '../../validators/registration.ts';
import { PARTNER_RESET_LINKS } from './forgotPassword.ts';

function renderLinkProblem(res: Response, reason: 'expired' | 'no_longer_works') {
  res.status(reason === 'expired' ? 410 : 404).render('shared/resetLinkProblem', {
    title: reason === 'expired' ? 'This password reset link has expired' : 'This password reset link no longer works',
    reason,
    links: PARTNER_RESET_LINKS,
  });
}

const newPasswordLocals = (token: string) => ({ title: 'Choose a new password', action: paths.partner.resetPassword(token) });

// The link is looked up on every request; an address opening links that do not exist is paused.
async function openReset(deps: RouterDeps, req: Request, res: Response): Promise<{ token: string; reset: PartnerPasswordReset } | undefined> {
  const token = typeof req.params.token === 'string' ? req.params.token : '';
  const place = await refuseIfGuessing(deps.db, req);
  const reset = await findPartnerPasswordReset(deps.db, token);
  if (reset) await linkWasKnown(deps.db, place);
  if (!reset || reset.state !== 'valid') {
    renderLinkProblem(res, reset?.state === 'expired' ? 'expired' : 'no_longer_works');
    return undefined;
  }
  return { token, reset };
}

export function get(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const open = await openReset(deps, req, res);
    if (open) res.render('shared/resetNewPassword', newPasswordLocals(open.token));
  };
}

export function post(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const open = await openReset(deps, req, res);
    if (!open) return;
    const user = await findPartnerSessionUser(deps.db, open.reset.partnerUserId);
    const context = user ? passwordContextFor(user.email, deps.config.brandName, user.partnerName ?? '', ...user.name.split(/\s+/)) : [];
    const form = readNewPassword(req.body, context);
    if (!form.ok) return renderFailedForm(res, 'shared/resetNewPassword', form, newPasswordLocals(open.token));
    const result = await completePartnerPasswordReset(deps.db, open.reset.resetId, form.value, { address: req.ip });
    if (result.outcome !== 'changed') return renderLinkProblem(res, result.outcome);
    // Every session of this user ends; only a session of theirs making this request stays.
    await endSessionsOfUser(deps.db, result.user.key, req.user?.key === result.user.key ? req.sessionID : undefined);
    // Whoever holds the emailed link owns the address: earlier sign-in failures no longer count.
    await signInSucceeded(deps.db, 'partner', result.user.email.toLowerCase());
    req.session.flash = { kind: 'success', text: 'Your password has been changed. Sign in with your new password.' };
    res.redirect(303, paths.partner.signIn);
  };
}
