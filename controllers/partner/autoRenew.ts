// Enable auto-renew / Disable auto-renew, from an account's Dashboard.
import type { RequestHandler } from 'express';
import { paths } from '../../lib/paths.ts';
import type { RouterDeps } from '../../lib/deps.ts';
import * as format from '../../lib/views/format.ts';
import { clockAt } from '../../models/accounts/statuses.ts';
import { autoRenewStateFor, setAutoRenew } from '../../models/autoRenewals.ts';
import { readAutoRenew } from '../../validators/autoRenew.ts';
import { accountIdOf } from './accountParam.ts';

export function post(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const user = req.user!;
    const accountId = accountIdOf(req.params.accountId);
    const form = readAutoRenew(req.body);
    // The form is one button: anything else is a tampered request, answered on the Dashboard.
    if (!form.ok) {
      await autoRenewStateFor(deps.db, user.partnerId, accountId, deps.config);
      req.session.flash = { kind: 'info', text: form.errors.summary[0].text + '.' };
      return res.redirect(303, paths.partner.account(accountId));
    }
    const change = await setAutoRenew(deps.db, user, accountId, form.value.enabled, { address: req.ip, clock: clockAt() });
    const state = await autoRenewStateFor(deps.db, user.partnerId, accountId, deps.config);
    const texts = {
      enabled: `Auto-renew is on: the subscription renews for another ${format.count(state.termYears, 'year')} on ${format.date(state.renewsOn)}, and you get the order’s confirmation email.`,
      disabled: 'Auto-renew is off: the subscription ends on its end date unless you renew it.',
      unchanged: form.value.enabled ? 'Auto-renew was already on.' : 'Auto-renew was already off.',
      ended: 'This subscription has ended: Renew it, then you can enable auto-renew.',
      trial: 'This is a free trial: upgrade it to a paid subscription, then you can enable auto-renew.',
    };
    req.session.flash = { kind: change === 'enabled' || change === 'disabled' ? 'success' : 'info', text: texts[change] };
    res.redirect(303, paths.partner.account(accountId));
  };
}
