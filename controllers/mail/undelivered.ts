import type { RequestHandler } from 'express';
import type { RouterDeps } from '../../lib/deps.ts';
import { EMAIL_STATE_LABELS, listUndeliveredMail } from '../../models/emails.ts';
import { idFrom } from '../../lib/forms/validation.ts';

// The owner's Undelivered mail: this partner's emails that have not gone out yet or never will.
export function index(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const before = idFrom(req.query.before);
    const { emails, nextBefore } = await listUndeliveredMail(deps.db, req.user!.partnerId, { before });
    res.render('mail/undelivered', {
      title: 'Undelivered mail',
      activeTab: 'mail',
      emails,
      nextBefore,
      firstPage: before === undefined,
      stateLabels: EMAIL_STATE_LABELS,
    });
  };
}
