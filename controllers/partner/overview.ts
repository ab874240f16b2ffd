// The partner's Overview (the landing page after sign-in): who is not backing up, what expires,
// which registrations are stuck; each number links to the Accounts list showing exactly those
// accounts. And Backup monitoring, where the owner and administrators set the thresholds.
import type { RequestHandler } from 'express';
import type { RouterDeps } from '../../lib/deps.ts';
import { paths, routePattern } from '../../lib/paths.ts';
import type { DigestLinks } from '../../models/digests.ts';
import { NotFoundError } from '../../lib/http/errors.ts';
import { renderFailedForm } from '../../lib/forms/failedForm.ts';
import type { SessionUser } from '../../lib/auth/passport.ts';
import { clockAt } from '../../models/accounts/statuses.ts';
import { findHealthThresholds, HEALTH_LABELS } from '../../models/accounts/health.ts';
import { countUndeliveredMail, findOverview, updateHealthThresholds } from '../../models/overview.ts';
import { readHealthThresholds } from '../../validators/monitoring.ts';
import { accountsListLink } from './accounts.ts';

// Thresholds are the company's setting: its owner and administrators change them.
const mayChangeThresholds = (user: SessionUser) => user.role === 'owner' || user.role === 'admin';

// Where each of the Overview's numbers leads; the weekly digest links to the same places.
export function overviewLinks(): DigestLinks {
  return {
    overview: paths.partner.overview,
    notBackingUp: accountsListLink({ health: 'not_backing_up', sort: 'backup' }),
    overdue: accountsListLink({ health: 'overdue', sort: 'backup' }),
    waiting: accountsListLink({ health: 'waiting', sort: 'backup' }),
    expiring: accountsListLink({ expiring: true, sort: 'expiry' }),
    trialsEnding: accountsListLink({ trialEnding: true, sort: 'expiry' }),
    pendingLong: accountsListLink({ pendingLong: true }),
    linkExpired: accountsListLink({ status: 'link_expired' }),
    undeliveredMail: paths.partner.undeliveredMail,
    account: routePattern(paths.partner.account, 'accountId'),
  };
}

export function index(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const user = req.user!;
    const clock = clockAt();
    const overview = await findOverview(deps.db, user.partnerId, clock);
    // The owner alone sees undelivered mail, as on the Undelivered mail tab.
    const undeliveredMail = user.role === 'owner' ? await countUndeliveredMail(deps.db, user.partnerId) : undefined;
    res.render('partner/overview', {
      title: 'Overview',
      activeTab: 'overview',
      overview,
      undeliveredMail,
      healthLabels: HEALTH_LABELS,
      mayChangeThresholds: mayChangeThresholds(user),
      links: overviewLinks(),
    });
  };
}

const MONITORING_VIEW = 'partner/backupMonitoring';
const MONITORING_LOCALS = { title: 'Backup monitoring', activeTab: 'overview' };

export function monitoringGet(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    if (!mayChangeThresholds(req.user!)) throw new NotFoundError();
    const thresholds = await findHealthThresholds(deps.db, req.user!.partnerId);
    res.render(MONITORING_VIEW, { ...MONITORING_LOCALS, values: { overdueDays: String(thresholds.overdueDays), notBackingUpDays: String(thresholds.notBackingUpDays) } });
  };
}

export function monitoringPost(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const user = req.user!;
    if (!mayChangeThresholds(user)) throw new NotFoundError();
    const form = readHealthThresholds(req.body);
    if (!form.ok) return renderFailedForm(res, MONITORING_VIEW, form, MONITORING_LOCALS);
    await updateHealthThresholds(deps.db, user, form.value, req.ip);
    req.session.flash = {
      kind: 'success',
      text: `Saved. Computers are now Overdue after ${form.value.overdueDays} days and Not backing up after ${form.value.notBackingUpDays} days without a backup.`,
    };
    res.redirect(303, paths.partner.overview);
  };
}
