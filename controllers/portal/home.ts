import type { RequestHandler } from 'express';
import type { RouterDeps } from '../../lib/deps.ts';
import { NotFoundError } from '../../lib/http/errors.ts';
import { findCustomerSubscription, listCustomerComputers } from '../../models/portal.ts';
import { findBackupHistory, historyOf } from '../../models/backupHistory.ts';
import { backupChart } from '../../lib/views/backupChart.ts';
import { findPendingRequest } from '../../models/partnerRequests.ts';
import { findPartnerBrand } from '../../models/companyProfile.ts';

// Safe: a home page with the subscription and the computer. Safe Backup Pro: the Backup Dashboard.
export function get(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const accountId = req.user!.customerAccountId!;
    const subscription = await findCustomerSubscription(deps.db, accountId);
    if (!subscription) throw new NotFoundError();
    const computers = await listCustomerComputers(deps.db, accountId);
    const dashboard = subscription.productId === 'safe-backup-pro';
    const now = new Date();
    const history = computers.length ? await findBackupHistory(deps.db, { customerAccountId: accountId }, now) : new Map();
    res.render(dashboard ? 'portal/dashboard' : 'portal/home', {
      title: dashboard ? 'Backup Dashboard' : `Your ${deps.config.brandName} account`,
      activeTab: 'home',
      subscription,
      // A partner's request waiting for the customer's answer, shown at the top.
      partnerRequest: await findPendingRequest(deps.db, accountId),
      computers: computers.map((computer) => ({ ...computer, chart: backupChart(`chart-${computer.id}`, computer.computerName, historyOf(history, computer.id, now)) })),
      // What the computers hold, by their last backups.
      dataBackedUp: computers.reduce((sum, c) => sum + (c.lastBackupBytes ?? 0), 0),
      partnerBrand: await findPartnerBrand(deps.db, req.user!.partnerId),
    });
  };
}
