// The Accounts tab's list: keyset pages and their cursors, and the CSV export's batches.
import type { Knex } from 'knex';
import type { Administrator } from '../purchases.ts';
import { loadCatalog, planName, productName } from '../catalog.ts';
import { applyFilters, type AccountFilters, type AccountSort } from './filters.ts';
import { clockAt, statusCase, type AccountStatus, type Clock } from './statuses.ts';
import { healthCase, healthStampQuery, toHealthStamp, type BackupHealth, type HealthStamp } from './health.ts';

// Each sort is an index order (see the migrations): its key columns, the same columns as
// the page names them, and its direction.
const SORT_KEYS: Record<AccountSort, { columns: string[]; pageColumns: string[]; descending: boolean }> = {
  name: { columns: ['lower(a.name)', 'a.id'], pageColumns: ['page.sort_name', 'page.id'], descending: false },
  expiry: { columns: ['a.ends_on', 'a.id'], pageColumns: ['page.ends_on', 'page.id'], descending: false },
  newest: { columns: ['a.id'], pageColumns: ['page.id'], descending: true },
  backup: { columns: ['a.backup_sort_at', 'a.id'], pageColumns: ['page.backup_sort_at', 'page.id'], descending: false },
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
// An instant as the backup sort writes it (ISO 8601, UTC), or 'infinity' (no computers).
const isInstant = (v: unknown) => v === 'infinity' || (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(v) && !Number.isNaN(Date.parse(v)));
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
  if (sort === 'backup') return key.length === 2 && isInstant(key[0]) && isId(key[1]) ? key : undefined;
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
  health: BackupHealth;
  // The oldest last backup of its computers that have one.
  oldestBackupAt: Date | null;
  autoRenew: boolean;
}

export interface AccountPage {
  rows: AccountRow[];
  // Cursors for the neighbouring pages; undefined where there is none.
  next: string | undefined;
  previous: string | undefined;
  // The partner's accounts_version when the page was read (undefined for an empty page).
  accountsVersion: number | undefined;
  // What the cached health counts are checked against, read with the page (undefined for an empty page).
  healthStamp: HealthStamp | undefined;
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
  health: BackupHealth;
  oldest_backup_at: Date | null;
  backup_sort_at: Date | string;
  auto_renew: boolean;
  product_id: string;
  plan_id: string;
  computers_allowed: number;
  computers_used: number;
  accounts_version: number | string;
  health_seq: number | string | null;
  overdue_days: number;
  not_backing_up_days: number;
}

interface PageRow {
  row: AccountRow;
  sortKey: CursorKey;
  stamp: HealthStamp;
}

// The plain list (no search, no filter) is the page every partner opens first. It is sent as a
// named prepared statement (pg's `name`, through knex's .options()), so PostgreSQL plans it
// once per connection instead of on every view, where planning took as long as running it.
// Its plan is the same walk down one index for any partner. Searched and filtered lists stay
// unnamed, planned for their values each time: a generic plan for a substring search reads
// far more. The LIMIT is written into the SQL (a page size or the export's batch, integers
// from our code): as a parameter, PostgreSQL prices a generic plan as if it read a tenth of
// the table, and keeps planning. One name is always one SQL text: it names each part that
// changes the text.
function plainListStatementName(filters: AccountFilters, direction: string, fromKey: boolean, limit: number): string | undefined {
  if (filters.search || filters.productId || filters.administrator || filters.status || filters.health || filters.expiring || filters.trialEnding || filters.pendingLong || filters.autoRenew !== undefined) return undefined;
  return `accounts_page_${filters.sort}_${direction.toLowerCase()}_${fromKey ? 'from_key' : 'first'}_${limit}`;
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
  const [health, healthBindings] = healthCase(partnerId, clock);
  inner
    .select(
      'a.id',
      'a.name',
      'a.email',
      'a.administrator',
      'a.ends_on',
      'a.oldest_backup_at',
      'a.backup_sort_at',
      'a.auto_renew',
      db.raw('lower(a.name) AS sort_name'),
      db.raw(`${status} AS status`, statusBindings),
      db.raw(`${health} AS health`, healthBindings),
    )
    .orderByRaw(columns.map((c) => `${c} ${direction}`).join(', '))
    .limit(limit, { skipBinding: true });

  // Product and plan names come from the catalog the process holds: two joins fewer to plan.
  const query = db
    .with('page', inner)
    .from('page')
    .join('subscriptions as s', 's.customer_account_id', 'page.id')
    .select(
      'page.*',
      's.product_id',
      's.plan_id',
      's.computers_allowed',
      db.raw('(SELECT count(*) FROM installations i WHERE i.subscription_id = s.id)::int AS computers_used'),
      // Read with the page, so checking whether the cached counts still hold costs no round trip of its own.
      'stamp.accounts_version',
      'stamp.health_seq',
      'stamp.overdue_days',
      'stamp.not_backing_up_days',
    )
    .crossJoin(db.raw('? AS stamp', [healthStampQuery(db, partnerId)]))
    .orderByRaw(pageColumns.map((c) => `${c} ${direction}`).join(', '));
  const name = plainListStatementName(filters, direction, Boolean(key), limit);
  return name ? query.options({ name }) : query;
}

function sortKeyOf(sort: AccountSort, r: ListedAccount): CursorKey {
  if (sort === 'name') return [r.sort_name, r.id];
  if (sort === 'expiry') return [r.ends_on, r.id];
  // pg reads 'infinity' as the number Infinity; a Date is written back exactly as ISO text.
  if (sort === 'backup') return [r.backup_sort_at instanceof Date && Number.isFinite(r.backup_sort_at.getTime()) ? r.backup_sort_at.toISOString() : 'infinity', r.id];
  return [r.id];
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
  // knex drops a limit it cannot use and would read the partner's whole book.
  if (!Number.isSafeInteger(limit) || limit < 1) throw new Error(`Not a page size: ${limit}`);
  const direction = SORT_KEYS[filters.sort].descending !== backwards ? 'DESC' : 'ASC';
  const catalog = await loadCatalog(db);
  const rows: ListedAccount[] = await pageQuery(db, partnerId, filters, clock, limit, key, direction);
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
      health: r.health,
      oldestBackupAt: r.oldest_backup_at,
      autoRenew: r.auto_renew,
    },
    sortKey: sortKeyOf(filters.sort, r),
    stamp: toHealthStamp(r),
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
    accountsVersion: rows[0]?.stamp.accountsVersion,
    healthStamp: rows[0]?.stamp,
    next: before ? cursor(shown.at(-1)) : more ? cursor(shown.at(-1)) : undefined,
    previous: before ? (more ? cursor(shown[0]) : undefined) : after ? cursor(shown[0]) : undefined,
  };
}

// Every account the filters show, in the list's order, a batch at a time: the CSV export
// streams 100,000 rows without holding them all. The next batch is read only when the
// consumer asks for it, so a slow download holds the reading back.
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
