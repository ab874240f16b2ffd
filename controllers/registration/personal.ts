import type { RequestHandler } from 'express';
import type { RouterDeps } from '../../lib/deps.ts';
import { renderFailedForm } from '../../lib/forms/failedForm.ts';
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
const pageLocals = (open: OpenJourney, questions: SecurityQuestion[]) => ({
  title: 'Enter your personal information',
  email: open.invitation.email,
  questions,
  action: stepUrl('personal', open.journeyId),
});

export function get(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const open = await openJourney(deps, req, res, 'personal');
    if (!open) return;
    res.render('registration/personal', { ...pageLocals(open, await listSecurityQuestions(deps.db)), values: EMPTY });
  };
}

export function post(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const open = await openJourney(deps, req, res, 'personal');
    if (!open) return;
    const questions = await listSecurityQuestions(deps.db);
    const form = readPersonalForm(req.body, questions.map((q) => q.id), passwordContext(deps, open.invitation));
    if (!form.ok) return renderFailedForm(res, 'registration/personal', form, pageLocals(open, questions));
    await finishRegistration(deps, req, res, open, form.value);
  };
}
