import type { RequestHandler } from 'express';
import type { RouterDeps } from '../../lib/deps.ts';
import { renderFailedForm } from '../../lib/forms/failedForm.ts';
import { listSecurityQuestions, type SecurityQuestion } from '../../models/customerUsers.ts';
import { readAccountForm, type SecurityQuestionValues } from '../../validators/registration.ts';
import { computerStepApplies, finishRegistration, openJourney, passwordContext, stepUrl, type OpenJourney } from './journey.ts';

const EMPTY: SecurityQuestionValues = { securityQuestion1: '', securityAnswer1: '', securityQuestion2: '', securityAnswer2: '' };

// Safe: account information (password and security questions), then Submit completes.
const pageLocals = (open: OpenJourney, questions: SecurityQuestion[]) => ({
  title: 'Create your account information',
  email: open.invitation.email,
  questions,
  action: stepUrl('account', open.journeyId),
  back: computerStepApplies(open.invitation) ? stepUrl('computer', open.journeyId) : undefined,
});

export function get(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const open = await openJourney(deps, req, res, 'account');
    if (!open) return;
    res.render('registration/account', { ...pageLocals(open, await listSecurityQuestions(deps.db)), values: EMPTY });
  };
}

export function post(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const open = await openJourney(deps, req, res, 'account');
    if (!open) return;
    const questions = await listSecurityQuestions(deps.db);
    const form = readAccountForm(req.body, questions.map((q) => q.id), passwordContext(deps, open.invitation));
    if (!form.ok) return renderFailedForm(res, 'registration/account', form, pageLocals(open, questions));
    await finishRegistration(deps, req, res, open, form.value);
  };
}
