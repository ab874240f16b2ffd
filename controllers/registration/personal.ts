import type { RequestHandler, Response } from 'express';
import type { RouterDeps } from '../../lib/deps.ts';
import { formErrors, type FieldProblems } from '../../lib/forms/validation.ts';
import { listSecurityQuestions, type SecurityQuestion } from '../../models/customerUsers.ts';
import { readPersonalForm, type PersonalValues } from '../../validators/registration.ts';
import { finishRegistration, openJourney, passwordContext, stepUrl, type OpenJourney } from './journey.ts';

const EMPTY: PersonalValues = {
  firstName: '',
  lastName: '',
  phone: '',
  securityQuestion1: '',
  securityAnswer1: '',
  securityQuestion2: '',
  securityAnswer2: '',
};

// Safe Backup Pro: personal information on one screen, then Continue completes.
function render(res: Response, status: number, open: OpenJourney, questions: SecurityQuestion[], values: PersonalValues, problems: FieldProblems = {}) {
  const errors = formErrors(problems);
  res.status(status).render('registration/personal', {
    title: `${errors ? 'Error: ' : ''}Enter your personal information`,
    errors,
    values,
    email: open.invitation.email,
    questions,
    action: stepUrl('personal', open.journeyId),
  });
}

export function get(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const open = await openJourney(deps, req, res, 'personal');
    if (!open) return;
    render(res, 200, open, await listSecurityQuestions(deps.db), EMPTY);
  };
}

export function post(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const open = await openJourney(deps, req, res, 'personal');
    if (!open) return;
    const questions = await listSecurityQuestions(deps.db);
    const form = readPersonalForm(req.body, questions.map((q) => q.id), passwordContext(deps, open.invitation));
    if (!form.result) return render(res, 422, open, questions, form.values, form.problems);
    await finishRegistration(deps, req, res, open, form.result);
  };
}
