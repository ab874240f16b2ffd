import type { RequestHandler } from 'express';
import { paths } from '../../lib/paths.ts';
import { sendCsv } from '../../lib/http/csvDownload.ts';
import type { RouterDeps } from '../../lib/deps.ts';
import { loadCatalog } from '../../models/catalog.ts';
import { countAccountsByStatusCached } from '../../models/accounts/counts.ts';
import { backupState, findAccountForPartner } from '../../models/accounts/details.ts';
import { ACCOUNT_SORTS, PAGE_SIZES, type AccountFilters } from '../../models/accounts/filters.ts';
import { eachAccountBatch, listAccounts, type AccountRow } from '../../models/accounts/list.ts';
import { ACCOUNT_STATUSES, ADMINISTRATOR_LABELS, STATUS_LABELS, clockAt } from '../../models/accounts/statuses.ts';
import { emailStateForAccount, emailStateText } from '../../models/emails.ts';
import { ORDER_KIND_LABELS, ordersForAccount } from '../../models/orders.ts';
import { autoRenewStateFor } from '../../models/autoRenewals.ts';
import { otherSubscriptionsOfCustomer } from '../../models/upgrades.ts';
import { BACKUP_HEALTHS, HEALTH_LABELS, countAccountsByHealthCached, findHealthThresholds } from '../../models/accounts/health.ts';
import { applyFilters } from '../../models/accounts/filters.ts';
import { EXPIRING_VALUE, PENDING_LONG_VALUE, TRIAL_ENDING_VALUE, readAccountListQuery } from '../../validators/accounts.ts';
import { accountIdOf } from './accountParam.ts';
import { findBackupHistory, historyOf } from '../../models/backupHistory.ts';
import { backupChart } from '../../lib/views/backupChart.ts';
import { findAdministrationRequest } from '../../models/partnerRequests.ts';

type ListLink = Partial<AccountFilters> & { size?: number; after?: string; before?: string };

// `query` with one more parameter.
const withParam = (query: string, name: string, value: string) => `${query}${query ? '&' : '?'}${name}=${encodeURIComponent(value)}`;

// The value a link changes, or the one the list has.
function changedOr<K extends keyof ListLink>(changes: ListLink, name: K, value: ListLink[K]): ListLink[K] {
  return Object.hasOwn(changes, name) ? changes[name] : value;
}

// The address of the Accounts list (or its CSV) with the given filters and changes; defaults
// are left out. Written out by hand: a page draws seven of these, and URLSearchParams, or
// even spreading the filters into a new object, cost more than the rest of the controller.
function accountsUrl(base: string, filters: AccountFilters, size: number, changes: ListLink = {}): string {
  const search = changedOr(changes, 'search', filters.search);
  const status = changedOr(changes, 'status', filters.status);
  const productId = changedOr(changes, 'productId', filters.productId);
  const administrator = changedOr(changes, 'administrator', filters.administrator);
  const sort = changedOr(changes, 'sort', filters.sort);
  const health = changedOr(changes, 'health', filters.health);
  const expiring = changedOr(changes, 'expiring', filters.expiring);
  const pendingLong = changedOr(changes, 'pendingLong', filters.pendingLong);
  const trialEnding = changedOr(changes, 'trialEnding', filters.trialEnding);
  const autoRenew = changedOr(changes, 'autoRenew', filters.autoRenew);
  const pageSize = changedOr(changes, 'size', size);
  let query = '';
  if (search) query = withParam(query, 'q', search);
  if (status) query = withParam(query, 'status', status);
  if (productId) query = withParam(query, 'product', productId);
  if (administrator) query = withParam(query, 'administrator', administrator);
  if (health) query = withParam(query, 'health', health);
  if (expiring) query = withParam(query, 'expiring', EXPIRING_VALUE);
  if (pendingLong) query = withParam(query, 'pending', PENDING_LONG_VALUE);
  if (trialEnding) query = withParam(query, 'trialEnding', TRIAL_ENDING_VALUE);
  if (autoRenew !== undefined) query = withParam(query, 'autoRenew', autoRenew ? 'on' : 'off');
  if (sort && sort !== 'name') query = withParam(query, 'sort', sort);
  if (pageSize && pageSize !== PAGE_SIZES[0]) query = withParam(query, 'size', String(pageSize));
  if (changes.after) query = withParam(query, 'after', changes.after);
  if (changes.before) query = withParam(query, 'before', changes.before);
  return base + query;
}

// The Accounts list showing exactly the given filters (the Overview's numbers link here).
export function accountsListLink(filters: Partial<AccountFilters>): string {
  return accountsUrl(paths.partner.accounts, { search: '', sort: 'name', ...filters }, PAGE_SIZES[0]);
}

export function index(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const partnerId = req.user!.partnerId;
    const catalog = await loadCatalog(deps.db);
    const { filters, size, after, before } = readAccountListQuery(req.query, catalog);
    // Filtered by health, the list is planned for the partner's own moments (models/accounts/health.ts).
    const clock = filters.health ? { ...clockAt(), thresholds: await findHealthThresholds(deps.db, partnerId) } : clockAt();
    const page = await listAccounts(deps.db, partnerId, filters, { size, after, before }, clock);
    const counts = await countAccountsByStatusCached(deps.db, partnerId, filters, clock, page.accountsVersion);
    const healthCounts = await countAccountsByHealthCached(deps.db, (q) => applyFilters(q, partnerId, filters, clock, true, false), partnerId, filters, clock, page.healthStamp);
    const filtered = Boolean(filters.search || filters.status || filters.productId || filters.administrator || filters.health || filters.expiring || filters.trialEnding || filters.pendingLong || filters.autoRenew !== undefined);
    res.render('partner/accounts', {
      title: 'Accounts',
      activeTab: 'accounts',
      filters,
      filtered,
      size,
      page,
      counts,
      healthCounts,
      catalog,
      statuses: ACCOUNT_STATUSES,
      healths: BACKUP_HEALTHS,
      healthLabels: HEALTH_LABELS,
      statusLabels: STATUS_LABELS,
      administratorLabels: ADMINISTRATOR_LABELS,
      sorts: ACCOUNT_SORTS,
      pageSizes: PAGE_SIZES,
      link: (changes: ListLink) => accountsUrl(paths.partner.accounts, filters, size, changes),
      csvLink: accountsUrl(paths.partner.accountsCsv, filters, PAGE_SIZES[0]),
    });
  };
}

const CSV_HEADER = ['Account', 'Email', 'Product', 'Plan', 'Computers used', 'Computers allowed', 'Administrator', 'Status', 'Expires on', 'Backup health', 'Oldest last backup'];

function csvRow(row: AccountRow): (string | number)[] {
  return [
    row.name,
    row.email,
    row.productName,
    row.planName,
    row.computersUsed,
    row.computersAllowed,
    ADMINISTRATOR_LABELS[row.administrator],
    STATUS_LABELS[row.status],
    row.endsOn,
    HEALTH_LABELS[row.health],
    row.oldestBackupAt ? row.oldestBackupAt.toISOString() : '',
  ];
}

// One CSV row per account; the next batch is read only when the writer below asks for more.
async function* csvRows(first: IteratorResult<AccountRow[]>, batches: AsyncGenerator<AccountRow[]>) {
  if (first.done) return;
  for (const row of first.value) yield csvRow(row);
  for await (const batch of batches) for (const row of batch) yield csvRow(row);
}

// Every account the list's filters show, in its order, streamed a batch at a time.
export function csv(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const partnerId = req.user!.partnerId;
    const catalog = await loadCatalog(deps.db);
    const { filters } = readAccountListQuery(req.query, catalog);
    const clock = clockAt();
    const batches = eachAccountBatch(deps.db, partnerId, filters, 1000, clock);
    // The first batch is read before anything is sent, so a failure there is an ordinary error page.
    const first = await batches.next();
    await sendCsv(res, `accounts-${clock.today}.csv`, CSV_HEADER, csvRows(first, batches));
  };
}

export function show(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const partnerId = req.user!.partnerId;
    const now = new Date();
    const account = await findAccountForPartner(deps.db, partnerId, accountIdOf(req.params.accountId), clockAt(now));
    const emails = account.registration ? await emailStateForAccount(deps.db, partnerId, account.id) : undefined;
    const orders = await ordersForAccount(deps.db, partnerId, account.id);
    const history = account.installations.length ? await findBackupHistory(deps.db, { partnerId, accountId: account.id }, now) : new Map();
    const autoRenew = await autoRenewStateFor(deps.db, partnerId, account.id, deps.config);
    res.render('partner/account', {
      title: account.name,
      activeTab: 'accounts',
      account,
      orders,
      orderKindLabels: ORDER_KIND_LABELS,
      autoRenew,
      autoRenewDaysBefore: deps.config.autoRenewDaysBefore,
      // Safe is one computer by design: another computer is another subscription (Add a new computer).
      singleComputer: (await loadCatalog(deps.db)).products.find((p) => p.id === account.productId)?.maxComputers === 1,
      otherSubscriptions: await otherSubscriptionsOfCustomer(deps.db, partnerId, account.id),
      // The partner's request to become the administrator, while the customer has not answered.
      administrationRequest: account.administrator === 'customer' ? await findAdministrationRequest(deps.db, partnerId, account.id) : undefined,
      statusLabels: STATUS_LABELS,
      registrationEmail: emails?.registration ? { state: emails.registration.state, text: emailStateText(emails.registration) } : undefined,
      computers: account.installations.map((installation) => ({
        ...installation,
        backup: backupState(installation.lastBackupAt, installation.activatedAt, now),
        chart: backupChart(`chart-${installation.id}`, installation.computerName, historyOf(history, installation.id, now)),
      })),
      // What the computers hold, by their last backups.
      dataBackedUp: account.installations.reduce((sum, i) => sum + (i.lastBackupBytes ?? 0), 0),
    });
  };
}

export function install(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const account = await findAccountForPartner(deps.db, req.user!.partnerId, accountIdOf(req.params.accountId));
    res.render('partner/install', {
      title: `Install ${deps.config.brandName}`,
      activeTab: 'accounts',
      account,
      keyCode: account.keyCode,
    });
  };
}
