import type { RequestHandler } from 'express';
import type { RouterDeps } from '../../lib/deps.ts';
import { paths } from '../../lib/paths.ts';
import { renderFailedForm } from '../../lib/forms/failedForm.ts';
import { refusedForm } from '../../lib/forms/result.ts';
import { NotFoundError } from '../../lib/http/errors.ts';
import { changeSecurityQuestions, findCustomerUser, listSecurityQuestions, type SecurityQuestion } from '../../models/customerUsers.ts';
import type { SecurityQuestionValues } from '../../validators/registration.ts';
import { readChangeSecurityQuestions } from '../../validators/portal.ts';
import { checkCurrentPassword } from '../shared/currentPassword.ts';

const VIEW = 'portal/changeSecurityQuestions';
const pageLocals = (questions: SecurityQuestion[]) => ({ title: 'Change your security questions', activeTab: 'settings', questions });

// The questions chosen now are shown; the answers never are (only their hashes exist).
export function get(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const user = await findCustomerUser(deps.db, req.user!.id);
    if (!user) throw new NotFoundError();
    const values: SecurityQuestionValues = {
      securityQuestion1: String(user.question1Id ?? ''),
      securityAnswer1: '',
      securityQuestion2: String(user.question2Id ?? ''),
      securityAnswer2: '',
    };
    res.render(VIEW, { ...pageLocals(await listSecurityQuestions(deps.db)), values });
  };
}

export function post(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const questions = await listSecurityQuestions(deps.db);
    const form = readChangeSecurityQuestions(req.body, questions.map((q) => q.id));
    if (!form.ok) return renderFailedForm(res, VIEW, form, pageLocals(questions));
    const wrong = await checkCurrentPassword(deps, req.user!, form.value.currentPassword);
    if (wrong) {
      const { answers } = form.value;
      const values = { securityQuestion1: String(answers.question1Id), securityAnswer1: answers.answer1, securityQuestion2: String(answers.question2Id), securityAnswer2: answers.answer2 };
      return renderFailedForm(res, VIEW, refusedForm(values, { currentPassword: wrong.message }), pageLocals(questions), wrong.status);
    }
    await changeSecurityQuestions(deps.db, req.user!, form.value.answers, req.ip);
    req.session.flash = { kind: 'success', text: 'Your security questions have been changed.' };
    res.redirect(303, paths.portal.settings);
  };
}
