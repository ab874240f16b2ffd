// Add an existing customer: the partner enters an email; if a direct account has it, its
// customer is asked in their Portal. The page says the same whatever the email is.
import type { RequestHandler } from 'express';
import { paths } from '../../lib/paths.ts';
import type { RouterDeps } from '../../lib/deps.ts';
import { refusedForm } from '../../lib/forms/result.ts';
import { renderFailedForm } from '../../lib/forms/failedForm.ts';
import { askToManage, REQUEST_DAYS } from '../../models/partnerRequests.ts';
import { minutesText } from '../../models/rateLimits.ts';
import { readAddExistingCustomer } from '../../validators/partnerRequests.ts';

const pageLocals = { title: 'Add an existing customer', activeTab: 'accounts', requestDays: REQUEST_DAYS };

export const ASKED = 'If that customer has an account, we have asked them. Once they accept in their Portal, the account appears in your Accounts.';

export const get: RequestHandler = (_req, res) => {
  res.render('partner/addExistingCustomer', { ...pageLocals, values: { email: '' } });
};

export function post(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const form = readAddExistingCustomer(req.body);
    if (!form.ok) return renderFailedForm(res, 'partner/addExistingCustomer', form, pageLocals);
    const result = await askToManage(deps.db, req.user!, form.value, { address: req.ip, config: deps.config });
    if (!result.asked) {
      const problem = `You have asked many customers in the last hour. Try again in ${minutesText(result.retryAfterSeconds)}.`;
      return renderFailedForm(res, 'partner/addExistingCustomer', refusedForm({ email: form.value }, { email: problem }), pageLocals, 429);
    }
    req.session.flash = { kind: 'success', text: ASKED };
    res.redirect(303, paths.partner.addExistingCustomer);
  };
}
