import type { RequestHandler } from 'express';
import type { RouterDeps } from '../../lib/deps.ts';
import { paths } from '../../lib/paths.ts';
import { renderFailedForm } from '../../lib/forms/failedForm.ts';
import { chooseFirstSecurityQuestions, customerHasSecurityQuestions, listSecurityQuestions, type SecurityQuestion } from '../../models/customerUsers.ts';
import { readChooseSecurityQuestions } from '../../validators/portal.ts';

// A direct customer made by the operator (npm run create-customer) has no security questions
// yet: every Portal page sends them here first, once.
const VIEW = 'portal/chooseSecurityQuestions';
const pageLocals = (questions: SecurityQuestion[]) => ({ title: 'Choose your security questions', questions });

export function requireSecurityQuestions(deps: RouterDeps): RequestHandler {
  return async (req, res, next) => {
    if (await customerHasSecurityQuestions(deps.db, req.user!.id)) return next();
    res.redirect(303, paths.portal.chooseSecurityQuestions);
  };
}

export function get(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    if (await customerHasSecurityQuestions(deps.db, req.user!.id)) return res.redirect(303, paths.portal.home);
    const values = { securityQuestion1: '', securityAnswer1: '', securityQuestion2: '', securityAnswer2: '' };
    res.render(VIEW, { ...pageLocals(await listSecurityQuestions(deps.db)), values });
  };
}

export function post(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const questions = await listSecurityQuestions(deps.db);
    const form = readChooseSecurityQuestions(req.body, questions.map((q) => q.id));
    if (!form.ok) return renderFailedForm(res, VIEW, form, pageLocals(questions));
    // Set only while none are: a second submit (or another tab) changes nothing.
    if (await chooseFirstSecurityQuestions(deps.db, req.user!, form.value, req.ip)) {
      req.session.flash = { kind: 'success', text: 'Your security questions have been saved.' };
    }
    res.redirect(303, paths.portal.home);
  };
}
