import { isDeepStrictEqual } from 'node:util';
import type { Knex } from 'knex';
import type { SessionUser } from '../lib/auth/passport.ts';
import { runPreparedStatement } from '../lib/db/database.ts';
import { NotFoundError } from '../lib/http/errors.ts';
import * as format from '../lib/views/format.ts';
import { takeHit, type Limit, type LimitState } from './rateLimits.ts';
import { recordAudit } from './audit.ts';
import { loadCatalog, planName, productName } from './catalog.ts';
import { issueInvitation, type InvitationConfig } from './registrationInvitations.ts';
import type { Administrator } from './purchases.ts';

// The partner's customer accounts: the Accounts tab (search, filters, sort, counts, keyset
// pages, CSV) and one account's Dashboard, with its resend and hand-over actions. Every
// function takes the partner id and reads only that partner's rows.

export type AccountStatus = 'active' | 'pending' | 'link_expired' | 'expired';

export const ACCOUNT_STATUSES: readonly { id: AccountStatus; label: string }[] = [
  { id: 'active', label: 'Active' },
  { id: 'pending', label: 'Pending registration' },
  { id: 'link_expired', label: 'Registration link expired' },
  { id: 'expired', label: 'Expired' },
];

export const STATUS_LABELS = Object.fromEntries(ACCOUNT_STATUSES.map((s) => [s.id, s.label])) as Record<AccountStatus, string>;

export const ADMINISTRATOR_LABELS: Record<Administrator, string> = { partner: 'Partner', customer: 'Customer' };

export type AccountSort = 'name' | 'expiry' | 'newest';

export const ACCOUNT_SORTS: readonly { id: AccountSort; label: string }[] = [
  { id: 'name', label: 'Name (A to Z)' },
  { id: 'expiry', label: 'Expiry (soonest first)' },
  { id: 'newest', label: 'Newest first' },
];

export const PAGE_SIZES = [25, 50, 100] as const;

export interface AccountFilters {
  search: string;
  status?: AccountStatus;
  productId?: string;
  administrator?: Administrator;
  sort: AccountSort;
}

// The clock the statuses are judged by: subscription days are calendar days in UTC, as
// purchases write them. Passed in so a list, its counts and its CSV agree, and tests can set it.
export interface Clock {
  today: string; // YYYY-MM-DD
  now: Date;
}

export function clockAt(now = new Date()): Clock {
  return { today: now.toISOString().slice(0, 10), now };
}

// The one definition of the status shown, as SQL over customer_accounts `a`: the list, the
// filters and the counts all use it. A subscription that ended is Expired whatever else is
// true; a pending account whose newest link has expired is "Registration link expired".
function statusConditions(clock: Clock): Record<AccountStatus, [string, Knex.RawBinding[]]> {
  return {
    expired: ['a.ends_on < ?', [clock.today]],
    link_expired: [
      `a.ends_on >= ? AND a.status = 'pending_registration' AND a.registration_link_expires_at <= ?`,
      [clock.today, clock.now],
    ],
    pending: [
      `a.ends_on >= ? AND a.status = 'pending_registration' AND (a.registration_link_expires_at IS NULL OR a.registration_link_expires_at > ?)`,
      [clock.today, clock.now],
    ],
    active: [`a.ends_on >= ? AND a.status = 'active'`, [clock.today]],
  };
}

const STATUS_CASE_ORDER: AccountStatus[] = ['expired', 'link_expired', 'pending', 'active'];
// The conditions' SQL does not depend on the clock, only their bindings do.
const STATUS_CASE_SQL = `CASE ${STATUS_CASE_ORDER.map((s) => `WHEN ${statusConditions(clockAt())[s][0]} THEN '${s}'`).join(' ')} ELSE 'active' END`;

function statusCase(clock: Clock): [string, Knex.RawBinding[]] {
  const conditions = statusConditions(clock);
  return [STATUS_CASE_SQL, STATUS_CASE_ORDER.flatMap((s) => conditions[s][1])];
}

// What people type is matched as text, never as a pattern: %, _ and \ are escaped.
function likePattern(search: string): string {
  return `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

// The expression the trigram index is built on (migration 20261126000200): the search must
// use exactly this for the index to serve it.
const SEARCH_TEXT = `(lower(a.name) || ' ' || lower(a.email))`;

function applyFilters(query: Knex.QueryBuilder, partnerId: number, filters: Omit<AccountFilters, 'sort'>, clock: Clock, withStatus = true) {
  query.where('a.partner_id', partnerId);
  if (filters.search) query.whereRaw(`${SEARCH_TEXT} LIKE lower(?)`, [likePattern(filters.search)]);
  if (filters.productId) query.where('a.product_id', filters.productId);
  if (filters.administrator) query.where('a.administrator', filters.administrator);
  if (withStatus && filters.status) {
    const [sql, bindings] = statusConditions(clock)[filters.status];
    query.whereRaw(sql, bindings);
  }
  return query;
}

// ---- Keyset pagination ----

// Each sort is an index order (see the migrations): its key columns, the same columns as
// the page names them, and its direction.
const SORT_KEYS: Record<AccountSort, { columns: string[]; pageColumns: string[]; descending: boolean }> = {
  name: { columns: ['lower(a.name)', 'a.id'], pageColumns: ['page.sort_name', 'page.id'], descending: false },
  expiry: { columns: ['a.ends_on', 'a.id'], pageColumns: ['page.ends_on', 'page.id'], descending: false },
  newest: { columns: ['a.id'], pageColumns: ['page.id'], descending: true },
};

type CursorKey = (string | number)[];

interface Cursor {
  sort: AccountSort;
  key: CursorKey;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.sort, ...cursor.key]), 'utf8').toString('base64url');
}

// A real calendar day, and text PostgreSQL accepts (no NUL), or the cursor is not ours.
const isDay = (v: unknown) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v);
// eslint-disable-next-line no-control-regex
const isText = (v: unknown) => typeof v === 'string' && v.length <= 1000 && !/\u0000/.test(v);

// A cursor from the address bar is untrusted: anything malformed, or made for another
// sort, is ignored and the first page is shown.
function decodeCursor(value: string, sort: AccountSort): CursorKey | undefined {
  if (!value || value.length > 2000) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed[0] !== sort) return undefined;
  const key = parsed.slice(1);
  const isId = (v: unknown) => Number.isSafeInteger(v) && (v as number) > 0;
  if (sort === 'newest') return key.length === 1 && isId(key[0]) ? key : undefined;
  if (sort === 'expiry') return key.length === 2 && isDay(key[0]) && isId(key[1]) ? key : undefined;
  return key.length === 2 && isText(key[0]) && isId(key[1]) ? key : undefined;
}

export interface AccountRow {
  id: number;
  name: string;
  email: string;
  productName: string;
  planName: string;
  computersUsed: number;
  computersAllowed: number;
  administrator: Administrator;
  status: AccountStatus;
  endsOn: string;
}

export interface AccountPage {
  rows: AccountRow[];
  // Cursors for the neighbouring pages; undefined where there is none.
  next: string | undefined;
  previous: string | undefined;
  // The partner's accounts_version when the page was read (undefined for an empty page).
  accountsVersion: number | undefined;
}

export interface PageRequest {
  size: number;
  after?: string;
  before?: string;
}

// A row of the list's query, as PostgreSQL returns it.
interface ListedAccount {
  id: number;
  name: string;
  email: string;
  administrator: Administrator;
  ends_on: string;
  sort_name: string;
  status: AccountStatus;
  product_id: string;
  plan_id: string;
  computers_allowed: number;
  computers_used: number;
  accounts_version: number | string;
}

interface PageRow {
  row: AccountRow;
  sortKey: CursorKey;
  accountsVersion: number;
}

// The plain list (no search, no filter) is the page every partner opens first. It runs as
// a named prepared statement, so PostgreSQL keeps one generic plan for it instead of planning
// it on every request (planning cost more than running it: ~0.5 ms of ~1.1 ms per query on the
// benchmark). Its plan is the same walk down one index for every partner, large or small.
// Searched and filtered lists stay unnamed and are planned for their values each time: a
// generic plan for a substring search took 20 ms where the planned one takes 0.5 ms.
// LIMIT is written into the SQL (a page size or the export's batch, integers from our code):
// as a parameter, PostgreSQL prices a generic plan as if it read a tenth of the table.
function preparedStatementName(filters: AccountFilters, direction: string, fromKey: boolean, limit: number): string | undefined {
  if (filters.search || filters.productId || filters.administrator || filters.status) return undefined;
  return `accounts_page_${filters.sort}_${direction.toLowerCase()}_${fromKey ? 'from_key' : 'first'}_${limit}`;
}

// The plain list's SQL is fixed by its statement's name. Building it with knex cost as much
// CPU as running it (~150 µs of ~350 µs per page on the benchmark), so it is built once per
// name and kept; each request then binds its own values, in the order the built query
// takes them (checked against knex's own each time a name is built), and runs it as a
// prepared statement past knex's query runner (lib/db/database.ts).
const plainListSql = new Map<string, string>();

function plainListBindings(partnerId: number, clock: Clock, key: CursorKey | undefined): Knex.RawBinding[] {
  return [...statusCase(clock)[1], partnerId, ...(key ?? []), partnerId];
}

// One page of the partner's accounts. The page is cut from customer_accounts alone, in the
// order of one of its indexes, and only then joined to the subscription: page 4,000 costs
// what page 1 costs.
function pageQuery(db: Knex, partnerId: number, filters: AccountFilters, clock: Clock, limit: number, key: CursorKey | undefined, direction: 'ASC' | 'DESC') {
  const { columns, pageColumns } = SORT_KEYS[filters.sort];
  const inner = applyFilters(db('customer_accounts as a'), partnerId, filters, clock);
  if (key) {
    inner.whereRaw(`(${columns.join(', ')}) ${direction === 'DESC' ? '<' : '>'} (${columns.map(() => '?').join(', ')})`, key);
  }
  const [status, statusBindings] = statusCase(clock);
  inner
    .select('a.id', 'a.name', 'a.email', 'a.administrator', 'a.ends_on', db.raw('lower(a.name) AS sort_name'), db.raw(`${status} AS status`, statusBindings))
    .orderByRaw(columns.map((c) => `${c} ${direction}`).join(', '))
    .limit(limit, { skipBinding: true });

  // Product and plan names come from the catalog the process holds: two joins fewer to plan.
  return db
    .with('page', inner)
    .from('page')
    .join('subscriptions as s', 's.customer_account_id', 'page.id')
    .select(
      'page.*',
      's.product_id',
      's.plan_id',
      's.computers_allowed',
      db.raw('(SELECT count(*) FROM installations i WHERE i.subscription_id = s.id)::int AS computers_used'),
      // Read with the page, so checking whether the cached counts still hold costs no extra round trip.
      db.raw('(SELECT accounts_version FROM partners WHERE id = ?) AS accounts_version', [partnerId]),
    )
    .orderByRaw(pageColumns.map((c) => `${c} ${direction}`).join(', '));
}

async function fetchPage(
  db: Knex,
  partnerId: number,
  filters: AccountFilters,
  clock: Clock,
  limit: number,
  key: CursorKey | undefined,
  backwards: boolean,
): Promise<PageRow[]> {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new Error(`Not a page size: ${limit}`);
  const direction = SORT_KEYS[filters.sort].descending !== backwards ? 'DESC' : 'ASC';
  const catalog = await loadCatalog(db);
  const name = preparedStatementName(filters, direction, Boolean(key), limit);
  let rows: ListedAccount[];
  if (name) {
    const values = plainListBindings(partnerId, clock, key);
    let text = plainListSql.get(name);
    if (text === undefined) {
      const built = pageQuery(db, partnerId, filters, clock, limit, key, direction).toSQL().toNative();
      if (!isDeepStrictEqual(built.bindings, values)) throw new Error(`${name}: the list query's bindings are no longer in the order plainListBindings gives`);
      text = built.sql;
      plainListSql.set(name, text);
    }
    rows = await runPreparedStatement<ListedAccount>(db, { name, text, values });
  } else {
    rows = await pageQuery(db, partnerId, filters, clock, limit, key, direction);
  }
  return rows.map((r) => ({
    row: {
      id: r.id,
      name: r.name,
      email: r.email,
      productName: productName(catalog, r.product_id),
      planName: planName(catalog, r.plan_id),
      computersUsed: r.computers_used,
      computersAllowed: r.computers_allowed,
      administrator: r.administrator,
      status: r.status,
      endsOn: r.ends_on,
    },
    sortKey: filters.sort === 'name' ? [r.sort_name, r.id] : filters.sort === 'expiry' ? [r.ends_on, r.id] : [r.id],
    accountsVersion: Number(r.accounts_version),
  }));
}

export async function listAccounts(db: Knex, partnerId: number, filters: AccountFilters, page: PageRequest, clock = clockAt()): Promise<AccountPage> {
  const after = page.after ? decodeCursor(page.after, filters.sort) : undefined;
  const before = !after && page.before ? decodeCursor(page.before, filters.sort) : undefined;
  const rows = await fetchPage(db, partnerId, filters, clock, page.size + 1, after ?? before, Boolean(before));
  const more = rows.length > page.size;
  const shown = rows.slice(0, page.size);
  if (before) shown.reverse();
  const cursor = (row: PageRow | undefined) => (row ? encodeCursor({ sort: filters.sort, key: row.sortKey }) : undefined);
  return {
    rows: shown.map((shownRow) => shownRow.row),
    accountsVersion: rows[0]?.accountsVersion,
    next: before ? cursor(shown.at(-1)) : more ? cursor(shown.at(-1)) : undefined,
    previous: before ? (more ? cursor(shown[0]) : undefined) : after ? cursor(shown[0]) : undefined,
  };
}

export type StatusCounts = Record<AccountStatus, number> & { all: number };

// How many accounts each status has under the other filters (search, product,
// administrator), so a count and the list its link opens agree. One pass over the
// partner's rows in customer_accounts_partner_status_idx, reading the index alone.
export async function countAccountsByStatus(db: Knex, partnerId: number, filters: Omit<AccountFilters, 'sort' | 'status'>, clock = clockAt()): Promise<StatusCounts> {
  const conditions = statusConditions(clock);
  const query = applyFilters(db('customer_accounts as a'), partnerId, filters, clock, false).select(
    db.raw('count(*)::int AS "all"'),
    ...ACCOUNT_STATUSES.map((s) => db.raw(`count(*) FILTER (WHERE ${conditions[s.id][0]})::int AS ${s.id}`, conditions[s.id][1])),
  );
  const row = await query.first();
  return { all: row.all, active: row.active, pending: row.pending, link_expired: row.link_expired, expired: row.expired };
}

// Counting a big partner's accounts reads every one of its rows (~30 ms for 100,000), too
// much for every page view. Counts are kept per partner and filters, and reused while the
// partner's accounts_version is unchanged (any write to its accounts moves it, in every
// instance) and for at most COUNTS_MAX_AGE_MS, which bounds how late a count can notice
// a link or subscription expiring by the clock alone.
const COUNTS_MAX_AGE_MS = 30_000;
const COUNTS_CACHE_SIZE = 2000;
const countsCache = new Map<string, { version: number; today: string; at: number; counts: StatusCounts }>();

export async function countAccountsByStatusCached(
  db: Knex,
  partnerId: number,
  filters: Omit<AccountFilters, 'sort' | 'status'>,
  clock = clockAt(),
  knownVersion?: number,
): Promise<StatusCounts> {
  const version = knownVersion ?? Number((await db('partners').where({ id: partnerId }).first('accounts_version'))?.accounts_version ?? 0);
  const key = JSON.stringify([partnerId, filters.search, filters.productId ?? '', filters.administrator ?? '']);
  const cached = countsCache.get(key);
  if (cached && cached.version === version && cached.today === clock.today && clock.now.getTime() - cached.at < COUNTS_MAX_AGE_MS) {
    return cached.counts;
  }
  const counts = await countAccountsByStatus(db, partnerId, filters, clock);
  countsCache.delete(key);
  if (countsCache.size >= COUNTS_CACHE_SIZE) countsCache.delete(countsCache.keys().next().value!);
  countsCache.set(key, { version, today: clock.today, at: clock.now.getTime(), counts });
  return counts;
}

// Every account the filters show, in the list's order, a batch at a time: the CSV export
// streams 100,000 rows without holding them all.
export async function* eachAccountBatch(db: Knex, partnerId: number, filters: AccountFilters, batchSize = 1000, clock = clockAt()): AsyncGenerator<AccountRow[]> {
  let key: CursorKey | undefined;
  for (;;) {
    const rows = await fetchPage(db, partnerId, filters, clock, batchSize, key, false);
    if (rows.length === 0) return;
    yield rows.map((batchRow) => batchRow.row);
    if (rows.length < batchSize) return;
    key = rows[rows.length - 1].sortKey;
  }
}

// ---- One account: its Dashboard ----

export interface InstallationRow {
  id: number;
  computerName: string;
  platform: 'windows' | 'mac';
  serialNumber: string;
  activatedAt: Date;
  lastBackupAt: Date | null;
}

export interface AccountDetails {
  id: number;
  name: string;
  email: string;
  administrator: Administrator;
  status: AccountStatus;
  createdAt: Date;
  registeredAt: Date | null;
  // The customer's own name, once they registered and gave it.
  customerName: string | undefined;
  productId: string;
  productName: string;
  planName: string;
  computersAllowed: number;
  computersUsed: number;
  termYears: number;
  startsOn: string;
  endsOn: string;
  keyCode: string;
  // For a customer-managed account still to register: since when, and the newest link.
  registration:
    | {
        pendingSince: Date;
        linkSentAt: Date;
        linkExpiresAt: Date;
        linkExpired: boolean;
      }
    | undefined;
  installations: InstallationRow[];
}

// The account's name, when it is one of the partner's; otherwise a 404.
export async function findAccountNameForPartner(db: Knex, partnerId: number, accountId: number): Promise<{ id: number; name: string }> {
  const row = await db('customer_accounts').where({ id: accountId, partner_id: partnerId }).first('id', 'name');
  if (!row) throw new NotFoundError();
  return row;
}

export async function findAccountByPurchaseKey(db: Knex, partnerId: number, purchaseKey: string): Promise<number | undefined> {
  const row = await db('customer_accounts').where({ purchase_key: purchaseKey, partner_id: partnerId }).first('id');
  return row?.id;
}

// Everything the Dashboard shows about one of the partner's accounts. Another partner's
// account, or none, is a 404.
export async function findAccountForPartner(db: Knex, partnerId: number, accountId: number, clock = clockAt()): Promise<AccountDetails> {
  const [status, statusBindings] = statusCase(clock);
  const row = await db('customer_accounts as a')
    .join('subscriptions as s', 's.customer_account_id', 'a.id')
    .join('plans as pl', 'pl.id', 's.plan_id')
    .join('products as pr', 'pr.id', 's.product_id')
    .leftJoin('customer_users as u', 'u.customer_account_id', 'a.id')
    .where({ 'a.id': accountId, 'a.partner_id': partnerId })
    .first(
      'a.id',
      'a.name',
      'a.email',
      'a.administrator',
      'a.status as stored_status',
      'a.created_at',
      'a.registered_at',
      db.raw(`${status} AS status`, statusBindings),
      'u.first_name',
      'u.last_name',
      's.id as subscription_id',
      's.product_id',
      'pr.name as product_name',
      'pl.name as plan_name',
      's.computers_allowed',
      's.term_years',
      's.starts_on',
      's.ends_on',
      's.key_code',
    );
  if (!row) throw new NotFoundError();

  const installations = await db('installations as i')
    .join('subscriptions as s', 's.id', 'i.subscription_id')
    .where({ 's.id': row.subscription_id, 's.partner_id': partnerId })
    .orderBy('i.activated_at')
    .orderBy('i.id')
    .select('i.id', 'i.computer_name', 'i.platform', 'i.serial_number', 'i.activated_at', 'i.last_backup_at');

  let registration: AccountDetails['registration'];
  if (row.administrator === 'customer' && row.stored_status === 'pending_registration') {
    const links = await db('registration_invitations as i')
      .join('customer_accounts as a', 'a.id', 'i.customer_account_id')
      .where({ 'a.id': accountId, 'a.partner_id': partnerId })
      .orderBy('i.id')
      .select('i.created_at', 'i.expires_at');
    const newest = links.at(-1);
    if (newest) {
      registration = {
        pendingSince: links[0].created_at,
        linkSentAt: newest.created_at,
        linkExpiresAt: newest.expires_at,
        linkExpired: newest.expires_at.getTime() <= clock.now.getTime(),
      };
    }
  }

  const customerName = [row.first_name, row.last_name].filter(Boolean).join(' ') || undefined;
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    administrator: row.administrator,
    status: row.status,
    createdAt: row.created_at,
    registeredAt: row.registered_at,
    customerName,
    productId: row.product_id,
    productName: row.product_name,
    planName: row.plan_name,
    computersAllowed: row.computers_allowed,
    computersUsed: installations.length,
    termYears: row.term_years,
    startsOn: row.starts_on,
    endsOn: row.ends_on,
    keyCode: row.key_code,
    registration,
    installations: installations.map((i) => ({
      id: i.id,
      computerName: i.computer_name,
      platform: i.platform,
      serialNumber: i.serial_number,
      activatedAt: i.activated_at,
      lastBackupAt: i.last_backup_at,
    })),
  };
}

export interface BackupState {
  text: string;
  tone: 'ok' | 'warning' | 'none';
}

const DAY_MS = 86_400_000;

// The last backup in plain words: "Backed up 2 hours ago", "No backup for 5 days", "No backup yet".
export function backupState(lastBackupAt: Date | null, activatedAt: Date, now = new Date()): BackupState {
  if (!lastBackupAt) return { text: 'No backup yet', tone: now.getTime() - activatedAt.getTime() >= 2 * DAY_MS ? 'warning' : 'none' };
  const age = now.getTime() - lastBackupAt.getTime();
  if (age < 2 * DAY_MS) return { text: `Backed up ${format.ago(lastBackupAt, now)}`, tone: 'ok' };
  return { text: `No backup for ${format.count(Math.floor(age / DAY_MS), 'day')}`, tone: 'warning' };
}

// ---- Actions on an account ----

export interface ActionContext {
  address?: string;
  config: InvitationConfig;
}

// A partner can resend often enough to fix a typo or a lost email, not enough to flood an inbox.
export const RESEND_LIMIT: Limit = { bucket: 'registration-resend', max: 5, windowSeconds: 3600 };

export type ResendResult =
  | { sent: true; email: string; expiresAt: Date }
  | { sent: false; reason: 'not_pending' }
  | { sent: false; reason: 'limited'; limit: LimitState };

// Sends a new registration link for a customer-managed account that is still to register;
// the old link stops working in the same transaction.
export async function resendRegistration(db: Knex, actor: SessionUser, accountId: number, context: ActionContext): Promise<ResendResult> {
  const partnerId = actor.partnerId;
  const account = await db('customer_accounts').where({ id: accountId, partner_id: partnerId }).first('id');
  if (!account) throw new NotFoundError();
  const limit = await takeHit(db, RESEND_LIMIT, String(accountId));
  if (limit.limited) return { sent: false, reason: 'limited', limit };
  return db.transaction(async (trx) => {
    const locked = await trx('customer_accounts').where({ id: accountId, partner_id: partnerId }).forUpdate().first('administrator', 'status', 'email');
    if (!locked) throw new NotFoundError();
    if (locked.administrator !== 'customer' || locked.status !== 'pending_registration') return { sent: false, reason: 'not_pending' } as const;
    const invitation = await issueInvitation(trx, accountId, context.config);
    await recordAudit(trx, { type: 'user', user: actor }, {
      partnerId,
      customerAccountId: accountId,
      action: 'registration.resent',
      address: context.address,
      details: { email: locked.email },
    });
    return { sent: true, email: locked.email, expiresAt: invitation.expiresAt } as const;
  });
}

export type HandOverResult = { handedOver: true; email: string } | { handedOver: false };

// The partner stops administering the account: the customer, at the email the partner
// confirmed, gets a registration email and takes over once registered.
export async function handOverAdministration(db: Knex, actor: SessionUser, accountId: number, email: string, context: ActionContext): Promise<HandOverResult> {
  const partnerId = actor.partnerId;
  return db.transaction(async (trx) => {
    const account = await trx('customer_accounts').where({ id: accountId, partner_id: partnerId }).forUpdate().first('administrator', 'email');
    if (!account) throw new NotFoundError();
    if (account.administrator !== 'partner') return { handedOver: false } as const;
    await trx('customer_accounts')
      .where({ id: accountId, partner_id: partnerId })
      .update({ email, administrator: 'customer', status: 'pending_registration', updated_at: trx.fn.now() });
    await issueInvitation(trx, accountId, context.config);
    await recordAudit(trx, { type: 'user', user: actor }, {
      partnerId,
      customerAccountId: accountId,
      action: 'administration.handed_over',
      address: context.address,
      details: { email, previousEmail: account.email },
    });
    return { handedOver: true, email } as const;
  });
}
