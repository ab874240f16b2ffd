import type { RequestHandler } from 'express';
import { paths } from '../../lib/paths.ts';
import { minutesText } from '../../models/rateLimits.ts';
import * as format from '../../lib/views/format.ts';
import type { RouterDeps } from '../../lib/deps.ts';
import { resendRegistration } from '../../models/accounts/actions.ts';
import { accountIdOf } from './accountParam.ts';

// Resend registration email: a new link for a customer who has not registered; the old link stops working.
export function resend(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const accountId = accountIdOf(req.params.accountId);
    const result = await resendRegistration(deps.db, req.user!, accountId, { address: req.ip, config: deps.config });
    if (result.sent) {
      req.session.flash = {
        kind: 'success',
        text: `A new registration email is on its way to ${result.email}. Its link works until ${format.dateTime(result.expiresAt)}; the previous link no longer works.`,
      };
    } else if (result.reason === 'limited') {
      req.session.flash = {
        kind: 'info',
        text: `This customer was sent several registration emails in the last hour. You can send another in ${minutesText(result.retryAfterSeconds)}.`,
      };
    } else {
      req.session.flash = { kind: 'info', text: 'This account has no registration to complete, so no email was sent.' };
    }
    res.redirect(303, paths.partner.account(accountId));
  };
}
