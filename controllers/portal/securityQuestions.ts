import type { RequestHandler, Response } from 'express';
import type { RouterDeps } from '../../lib/deps.ts';
import { paths } from '../../lib/paths.ts';
import { formErrors, type FieldProblems } from '../../lib/forms/validation.ts';
import { NotFoundError } from '../../lib/http/errors.ts';
import { changeSecurityQuestions, findCustomerUser, listSecurityQuestions, type SecurityQuestion } from '../../models/customerUsers.ts';
import type { SecurityQuestionValues } from '../../validators/registration.ts';
import { readChangeSecurityQuestions } from '../../validators/portal.ts';
import { checkCurrentPassword } from './currentPassword.ts';

function render(res: Response, status: number, questions: SecurityQuestion[], values: SecurityQuestionValues, problems: FieldProblems = {}) {
  const errors = formErrors(problems);
  res.status(status).render('portal/changeSecurityQuestions', {
    title: `${errors ? 'Error: ' : ''}Change your security questions`,
    activeTab: 'settings',
    errors,
    values,
    questions,
  });
}

// The questions chosen now are shown; the answers never are (only their hashes exist).
export function get(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const user = await findCustomerUser(deps.db, req.user!.id);
    if (!user) throw new NotFoundError();
    render(res, 200, await listSecurityQuestions(deps.db), {
      securityQuestion1: String(user.question1Id),
      securityAnswer1: '',
      securityQuestion2: String(user.question2Id),
      securityAnswer2: '',
    });
  };
}

export function post(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const questions = await listSecurityQuestions(deps.db);
    const form = readChangeSecurityQuestions(req.body, questions.map((q) => q.id));
    if (!form.result || form.problems.currentPassword) return render(res, 422, questions, form.values, form.problems);
    const wrong = await checkCurrentPassword(deps, req.user!, form.currentPassword);
    if (wrong) return render(res, wrong.status, questions, form.values, { currentPassword: wrong.message });
    await changeSecurityQuestions(deps.db, req.user!, form.result, req.ip);
    req.session.flash = { kind: 'success', text: 'Your security questions have been changed.' };
    res.redirect(303, paths.portal.settings);
  };
}
