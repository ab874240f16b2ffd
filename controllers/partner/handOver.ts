import type { RequestHandler, Response } from 'express';
import { paths } from '../../lib/paths.ts';
import { formErrors, type FormErrors } from '../../lib/forms/validation.ts';
import type { RouterDeps } from '../../lib/deps.ts';
import { findAccountForPartner, handOverAdministration, type AccountDetails } from '../../models/accounts.ts';
import { readHandOver } from '../../validators/accounts.ts';
import { accountIdOf } from './accountParam.ts';

function render(res: Response, account: AccountDetails, email: string, errors?: FormErrors): void {
  res.status(errors ? 422 : 200).render('partner/handOver', {
    title: `${errors ? 'Error: ' : ''}Hand over administration to the customer`,
    activeTab: 'accounts',
    errors,
    values: { email },
    account,
  });
}

const ALREADY_CUSTOMER = 'The customer already administers this account.';

export function get(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const account = await findAccountForPartner(deps.db, req.user!.partnerId, accountIdOf(req.params.accountId));
    if (account.administrator !== 'partner') {
      req.session.flash = { kind: 'info', text: ALREADY_CUSTOMER };
      return res.redirect(303, paths.partner.account(account.id));
    }
    render(res, account, account.email);
  };
}

// The partner confirms the customer's email; the registration email goes there.
export function post(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const account = await findAccountForPartner(deps.db, req.user!.partnerId, accountIdOf(req.params.accountId));
    const { email, problems } = readHandOver(req.body);
    if (account.administrator === 'partner' && problems.email) return render(res, account, email, formErrors(problems));
    const result = await handOverAdministration(deps.db, req.user!, account.id, email, { address: req.ip, config: deps.config });
    req.session.flash = result.handedOver
      ? { kind: 'success', text: `Administration handed over. A registration email is on its way to ${result.email}.` }
      : { kind: 'info', text: ALREADY_CUSTOMER };
    res.redirect(303, paths.partner.account(account.id));
  };
}
