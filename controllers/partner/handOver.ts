import type { RequestHandler, Response } from 'express';
import { paths } from '../../lib/paths.ts';
import { renderFailedForm } from '../../lib/forms/failedForm.ts';
import type { RouterDeps } from '../../lib/deps.ts';
import { handOverAdministration } from '../../models/accounts/actions.ts';
import { findAccountForPartner, type AccountDetails } from '../../models/accounts/details.ts';
import { readHandOver } from '../../validators/accounts.ts';
import { accountIdOf } from './accountParam.ts';

const pageLocals = (account: AccountDetails) => ({ title: 'Hand over administration to the customer', activeTab: 'accounts', account });

function render(res: Response, account: AccountDetails, email: string): void {
  res.render('partner/handOver', { ...pageLocals(account), values: { email } });
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
    const form = readHandOver(req.body);
    if (account.administrator === 'partner' && !form.ok) return renderFailedForm(res, 'partner/handOver', form, pageLocals(account));
    // An account the customer already administers needs no email: the model answers so.
    const email = form.ok ? form.value : '';
    const result = await handOverAdministration(deps.db, req.user!, account.id, email, { address: req.ip, config: deps.config });
    req.session.flash = result.handedOver
      ? { kind: 'success', text: `Administration handed over. A registration email is on its way to ${result.email}.` }
      : { kind: 'info', text: ALREADY_CUSTOMER };
    res.redirect(303, paths.partner.account(account.id));
  };
}
