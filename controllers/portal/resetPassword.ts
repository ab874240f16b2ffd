import type { Request, RequestHandler, Response } from 'express';
import type { RouterDeps } from '../../lib/deps.ts';
import { paths } from '../../lib/paths.ts';
import { renderFailedForm } from '../../lib/forms/failedForm.ts';
import { refusedForm } from '../../lib/forms/result.ts';
import { endSessionsOfUser } from '../../models/sessions.ts';
import { signInSucceeded } from '../../lib/auth/signInThrottle.ts';
import { givePlaceBack, RATE_LIMITS, takePlace } from '../../models/rateLimits.ts';
import { linkWasKnown, refuseIfGuessing } from '../../lib/auth/linkThrottle.ts';
import { findCustomerUser } from '../../models/customerUsers.ts';
import { checkResetAnswer, completePasswordReset, findPasswordReset, spendPasswordReset, type PasswordReset } from '../../models/passwordResets.ts';
import { readResetAnswer } from '../../validators/portal.ts';
import { passwordContextFor, readNewPassword } from '../../validators/registration.ts';

// Five wrong answers spend the link: the next try needs a fresh email.
export const WRONG_ANSWERS_ALLOWED = RATE_LIMITS['password-reset-answer'].max;

function tokenFrom(req: Request): string {
  return typeof req.params.token === 'string' ? req.params.token : '';
}

function renderLinkProblem(req: Request, res: Response, reason: 'expired' | 'no_longer_works' | 'too_many_answers') {
  delete req.session.passwordReset;
  res.status(reason === 'expired' ? 410 : 404).render('shared/resetLinkProblem', {
    title: reason === 'expired' ? 'This password reset link has expired' : 'This password reset link no longer works',
    reason,
    links: { signIn: paths.portal.signIn, forgotPassword: paths.portal.forgotPassword },
  });
}

const questionLocals = (token: string, reset: PasswordReset) => ({
  title: 'Answer your security question',
  question: reset.questionText,
  action: paths.portal.resetPassword(token),
});

const newPasswordLocals = (token: string) => ({ title: 'Choose a new password', action: paths.portal.resetPassword(token) });

// The emailed link first; the security question is only an extra check after it, never
// instead of it. The session remembers the answer for this link only.
async function openReset(deps: RouterDeps, req: Request, res: Response): Promise<{ token: string; reset: PasswordReset; answered: boolean } | undefined> {
  const token = tokenFrom(req);
  const place = await refuseIfGuessing(deps.db, req);
  const reset = await findPasswordReset(deps.db, token);
  if (reset) await linkWasKnown(deps.db, place);
  if (!reset || reset.state !== 'valid') {
    renderLinkProblem(req, res, reset?.state === 'expired' ? 'expired' : 'no_longer_works');
    return undefined;
  }
  if (req.session.passwordReset?.resetId !== reset.resetId) req.session.passwordReset = { resetId: reset.resetId, answered: false };
  // No question chosen yet (a customer made by the operator): there is no extra check to make.
  return { token, reset, answered: req.session.passwordReset.answered || reset.questionText === null };
}

export function get(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const open = await openReset(deps, req, res);
    if (!open) return;
    if (open.answered) return res.render('shared/resetNewPassword', newPasswordLocals(open.token));
    res.render('portal/resetQuestion', questionLocals(open.token, open.reset));
  };
}

export function post(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const open = await openReset(deps, req, res);
    if (!open) return;
    const { token, reset } = open;
    if (!open.answered) {
      const form = readResetAnswer(req.body);
      if (!form.ok) return renderFailedForm(res, 'portal/resetQuestion', form, questionLocals(token, reset));
      // The answer takes its place before it is checked: of many at once, no more than the
      // limit are checked. A wrong answer keeps it, and the last wrong one spends the link.
      const place = await takePlace(deps.db, 'password-reset-answer', String(reset.resetId));
      const right = place.taken && (await checkResetAnswer(deps.db, reset.resetId, form.value));
      if (!right) {
        if (!place.taken || place.placesLeft === 0) {
          await spendPasswordReset(deps.db, reset.resetId);
          return renderLinkProblem(req, res, 'too_many_answers');
        }
        const wrong = refusedForm({}, { answer: 'That answer is not right. Check it and try again' });
        return renderFailedForm(res, 'portal/resetQuestion', wrong, questionLocals(token, reset));
      }
      await givePlaceBack(deps.db, place);
      req.session.passwordReset = { resetId: reset.resetId, answered: true };
      return res.redirect(303, paths.portal.resetPassword(token));
    }

    const user = await findCustomerUser(deps.db, reset.customerUserId);
    const context = user ? passwordContextFor(user.email, deps.config.brandName, user.firstName ?? '', user.lastName ?? '') : [];
    const form = readNewPassword(req.body, context);
    if (!form.ok) return renderFailedForm(res, 'shared/resetNewPassword', form, newPasswordLocals(token));
    const result = await completePasswordReset(deps.db, reset.resetId, form.value, { address: req.ip });
    if (result.outcome !== 'changed') return renderLinkProblem(req, res, result.outcome);
    delete req.session.passwordReset;
    // Every session of this customer ends; only a session of theirs making this request stays.
    await endSessionsOfUser(deps.db, result.user.key, req.user?.key === result.user.key ? req.sessionID : undefined);
    // Whoever answered the emailed link and the question is the owner: earlier sign-in failures no longer count.
    await signInSucceeded(deps.db, 'customer', result.user.email.toLowerCase());
    req.session.flash = { kind: 'success', text: 'Your password has been changed. Sign in with your new password.' };
    res.redirect(303, paths.portal.signIn);
  };
}
