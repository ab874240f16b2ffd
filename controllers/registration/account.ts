import type { RequestHandler, Response } from 'express';
import type { RouterDeps } from '../../lib/deps.ts';
import { formErrors, type FieldProblems } from '../../lib/forms/validation.ts';
import { listSecurityQuestions, type SecurityQuestion } from '../../models/customerUsers.ts';
import { readAccountForm, type SecurityQuestionValues } from '../../validators/registration.ts';
import { computerStepApplies, finishRegistration, openJourney, passwordContext, stepUrl, type OpenJourney } from './journey.ts';

const EMPTY: SecurityQuestionValues = { securityQuestion1: '', securityAnswer1: '', securityQuestion2: '', securityAnswer2: '' };

// Safe: account information (password and security questions), then Submit completes.
function render(res: Response, status: number, open: OpenJourney, questions: SecurityQuestion[], values: SecurityQuestionValues, problems: FieldProblems = {}) {
  const errors = formErrors(problems);
  res.status(status).render('registration/account', {
    title: `${errors ? 'Error: ' : ''}Create your account information`,
    errors,
    values,
    email: open.invitation.email,
    questions,
    action: stepUrl('account', open.journeyId),
    back: computerStepApplies(open.invitation) ? stepUrl('computer', open.journeyId) : undefined,
  });
}

export function get(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const open = await openJourney(deps, req, res, 'account');
    if (!open) return;
    render(res, 200, open, await listSecurityQuestions(deps.db), EMPTY);
  };
}

export function post(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const open = await openJourney(deps, req, res, 'account');
    if (!open) return;
    const questions = await listSecurityQuestions(deps.db);
    const form = readAccountForm(req.body, questions.map((q) => q.id), passwordContext(deps, open.invitation));
    if (!form.result) return render(res, 422, open, questions, form.values, form.problems);
    await finishRegistration(deps, req, res, open, form.result);
  };
}
