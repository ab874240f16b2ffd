import type { RequestHandler, Response } from 'express';
import { paths } from '../../lib/paths.ts';
import { renderFailedForm } from '../../lib/forms/failedForm.ts';
import type { RouterDeps } from '../../lib/deps.ts';
import { handOverAdministration } from '../../models/accounts/actions.ts';
import { findAccountForPartner, type AccountDetails } from '../../models/accounts/details.ts';
import { readHandOver } from '../../validators/accounts.ts';
import { askToAdminister } from '../../models/partnerRequests.ts';
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

const ADMINISTRATION_ASKED: Record<string, { kind: 'success' | 'info'; text: string }> = {
  asked: { kind: 'success', text: 'We have asked the customer to make you the account administrator. They accept or decline in their Portal.' },
  pending: { kind: 'info', text: 'A request is already waiting for the customer’s answer.' },
  not_customer: { kind: 'info', text: 'You already administer this account.' },
  not_registered: { kind: 'info', text: 'The customer has not completed registration yet: they can answer once they have.' },
};

// The other way: the partner asks the customer to make them the administrator.
export function requestAdministrationPost(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const accountId = accountIdOf(req.params.accountId);
    const result = await askToAdminister(deps.db, req.user!, accountId, { address: req.ip, config: deps.config });
    req.session.flash = ADMINISTRATION_ASKED[result.asked ? 'asked' : result.reason];
    res.redirect(303, paths.partner.account(accountId));
  };
}
