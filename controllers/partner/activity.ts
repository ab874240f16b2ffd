import type { RequestHandler } from 'express';
import { paths } from '../../lib/paths.ts';
import { idFrom, queryString } from '../../lib/forms/validation.ts';
import type { RouterDeps } from '../../lib/deps.ts';
import { findAccountNameForPartner } from '../../models/accounts/details.ts';
import { listActivity } from '../../models/activity.ts';
import { accountIdOf } from './accountParam.ts';

const PAGE_SIZE = 50;

// The Activity tab: everything recorded about the partner's company, newest first,
// optionally for one account (?account=<id>; another partner's account is a 404).
export function index(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const partnerId = req.user!.partnerId;
    const accountParam = queryString(req.query.account, 20);
    const account = accountParam ? await findAccountNameForPartner(deps.db, partnerId, accountIdOf(accountParam)) : undefined;
    const page = await listActivity(deps.db, partnerId, {
      accountId: account?.id,
      before: idFrom(req.query.before),
      after: idFrom(req.query.after),
      size: PAGE_SIZE,
    });
    const link = (params: Record<string, number | undefined>) => {
      const query = new URLSearchParams();
      if (account) query.set('account', String(account.id));
      for (const [name, value] of Object.entries(params)) if (value !== undefined) query.set(name, String(value));
      const text = query.toString();
      return text ? `${paths.partner.activity}?${text}` : paths.partner.activity;
    };
    res.render('partner/activity', {
      title: account ? `Activity: ${account.name}` : 'Activity',
      activeTab: 'activity',
      account,
      page,
      newerLink: page.newer !== undefined ? link({ after: page.newer }) : undefined,
      olderLink: page.older !== undefined ? link({ before: page.older }) : undefined,
      newestLink: page.newer !== undefined ? link({}) : undefined,
    });
  };
}
