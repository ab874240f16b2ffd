import type { RequestHandler } from 'express';
import { paths } from '../../lib/paths.ts';
import type { RouterDeps } from '../../lib/deps.ts';
import { findAccountForPartner } from '../../models/accounts/details.ts';
import { releaseAccount, releaseBlockOf } from '../../models/accounts/release.ts';
import { accountIdOf } from './accountParam.ts';

// The confirmation page: "Yes, release account", or what has to happen first.
export function get(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const account = await findAccountForPartner(deps.db, req.user!.partnerId, accountIdOf(req.params.accountId));
    res.render('partner/releaseAccount', {
      title: `Release account: ${account.name}`,
      activeTab: 'accounts',
      account,
      block: releaseBlockOf({ administrator: account.administrator, status: account.registration ? 'pending_registration' : 'registered' }),
    });
  };
}

export function post(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const accountId = accountIdOf(req.params.accountId);
    const result = await releaseAccount(deps.db, req.user!, accountId, { address: req.ip, config: deps.config });
    if (!result.released && result.reason !== 'already_released') return res.redirect(303, paths.partner.releaseAccount(accountId));
    req.session.flash = { kind: 'success', text: `${result.name} was released. It is no longer in your Portal; the customer keeps their account and backups.` };
    res.redirect(303, paths.partner.accounts);
  };
}
