// Backup health: each account's worst computer state, the one SQL definition of each state
// (over the summary columns the installations trigger keeps on customer_accounts, migration
// 20261207000100), the partner's thresholds, and the counts per state with their cache.
import type { Knex } from 'knex';
import type { AccountFilters } from './filters.ts';
import type { Clock } from './statuses.ts';

export type BackupHealth = 'not_backing_up' | 'overdue' | 'waiting' | 'up_to_date' | 'no_computers';

// Worst first: the order of the column's CASE, the filter's options and the Overview.
export const BACKUP_HEALTHS: readonly { id: BackupHealth; label: string }[] = [
  { id: 'not_backing_up', label: 'Not backing up' },
  { id: 'overdue', label: 'Overdue' },
  { id: 'waiting', label: 'Waiting for first backup' },
  { id: 'up_to_date', label: 'Up to date' },
  { id: 'no_computers', label: 'No computers' },
];

export const HEALTH_LABELS = Object.fromEntries(BACKUP_HEALTHS.map((h) => [h.id, h.label])) as Record<BackupHealth, string>;

export const isBackupHealth = (value: string): value is BackupHealth => BACKUP_HEALTHS.some((h) => h.id === value);

// A computer activated this long ago without a backup is "Waiting for first backup".
export const WAITING_AFTER_DAYS = 1;

export interface HealthThresholds {
  overdueDays: number; // no backup for this many days: Overdue
  notBackingUpDays: number; // ... and this many: Not backing up
}

export const DEFAULT_THRESHOLDS: HealthThresholds = { overdueDays: 3, notBackingUpDays: 7 };

export async function findHealthThresholds(db: Knex, partnerId: number): Promise<HealthThresholds> {
  const row = await db('partners').where({ id: partnerId }).first('overdue_days', 'not_backing_up_days');
  return row ? { overdueDays: row.overdue_days, notBackingUpDays: row.not_backing_up_days } : DEFAULT_THRESHOLDS;
}

// The moments before which a last backup is Overdue or Not backing up: the partner's
// thresholds read inside the statement (an InitPlan, so an index range still serves it).
const before = (column: 'overdue_days' | 'not_backing_up_days') => `(SELECT ?::timestamptz - make_interval(days => ${column}) FROM partners WHERE id = ?)`;
const NOT_BACKING_UP_BEFORE = before('not_backing_up_days');
const OVERDUE_BEFORE = before('overdue_days');
const WAITING_BEFORE = `?::timestamptz - make_interval(days => ${WAITING_AFTER_DAYS})`;

// A clock that may also carry the partner's thresholds, read beforehand: the moments are then
// bound as values, which PostgreSQL plans for (a filtered list picks the index that suits how
// many accounts match). Without them, the statement reads the thresholds itself.
export interface HealthClock extends Clock {
  thresholds?: HealthThresholds;
}

const DAY_MS = 86_400_000;

// The moments before which a last backup makes an account Overdue or Not backing up, as SQL with bindings.
function moments(partnerId: number, clock: HealthClock): { overdue: [string, Knex.RawBinding[]]; notBackingUp: [string, Knex.RawBinding[]] } {
  const t = clock.thresholds;
  if (!t) return { overdue: [OVERDUE_BEFORE, [clock.now, partnerId]], notBackingUp: [NOT_BACKING_UP_BEFORE, [clock.now, partnerId]] };
  const before = (days: number) => new Date(clock.now.getTime() - days * DAY_MS);
  return { overdue: ['?::timestamptz', [before(t.overdueDays)]], notBackingUp: ['?::timestamptz', [before(t.notBackingUpDays)]] };
}

// The one definition of each state as SQL over customer_accounts `a`: the list's column, its
// filter, the counts, the Overview and the digest all use it. A state is the account's worst
// computer's; a computer activated less than a day ago without a backup yet is no concern.
export function healthConditions(partnerId: number, clock: HealthClock): Record<BackupHealth, [string, Knex.RawBinding[]]> {
  const { overdue: [overdueSql, overdue], notBackingUp: [notBackingUpSql, notBackingUp] } = moments(partnerId, clock);
  const notOverdue = `(a.oldest_backup_at IS NULL OR a.oldest_backup_at > ${overdueSql})`;
  return {
    not_backing_up: [`a.oldest_backup_at <= ${notBackingUpSql}`, notBackingUp],
    overdue: [`a.oldest_backup_at <= ${overdueSql} AND a.oldest_backup_at > ${notBackingUpSql}`, [...overdue, ...notBackingUp]],
    waiting: [`a.waiting_since <= ${WAITING_BEFORE} AND ${notOverdue}`, [clock.now, ...overdue]],
    up_to_date: [`a.computers > 0 AND ${notOverdue} AND (a.waiting_since IS NULL OR a.waiting_since > ${WAITING_BEFORE})`, [...overdue, clock.now]],
    no_computers: ['a.computers = 0', []],
  };
}

// Each row's state as one CASE expression, worst first.
export function healthCase(partnerId: number, clock: Clock): [string, Knex.RawBinding[]] {
  return [
    `CASE WHEN a.oldest_backup_at <= ${NOT_BACKING_UP_BEFORE} THEN 'not_backing_up'` +
      ` WHEN a.oldest_backup_at <= ${OVERDUE_BEFORE} THEN 'overdue'` +
      ` WHEN a.waiting_since <= ${WAITING_BEFORE} THEN 'waiting'` +
      ` WHEN a.computers = 0 THEN 'no_computers' ELSE 'up_to_date' END`,
    [clock.now, partnerId, clock.now, partnerId, clock.now],
  ];
}

export type HealthCounts = Record<BackupHealth, number>;

type CountFilters = Omit<AccountFilters, 'sort' | 'health'>;

// How many accounts are in each state under the other filters, so a count and the list its
// link opens agree. Without a search, one pass over customer_accounts_partner_oldest_backup_idx
// reading the index alone.
export async function countAccountsByHealth(
  db: Knex,
  applyFilters: (query: Knex.QueryBuilder) => Knex.QueryBuilder,
  partnerId: number,
  clock: Clock,
): Promise<HealthCounts> {
  const conditions = healthConditions(partnerId, clock);
  const row = await applyFilters(db('customer_accounts as a'))
    .select(BACKUP_HEALTHS.map((h) => db.raw(`count(*) FILTER (WHERE ${conditions[h.id][0]})::int AS ${h.id}`, conditions[h.id][1])))
    .first();
  return Object.fromEntries(BACKUP_HEALTHS.map((h) => [h.id, row[h.id]])) as HealthCounts;
}

// What a cached figure about a partner's accounts was computed at: it holds while none of
// these moved. Any account write but a backup moves accounts_version; a backup that changes an
// account's summary moves its health_seq; the thresholds are the partner's setting.
export interface HealthStamp {
  accountsVersion: number;
  healthSeq: number;
  overdueDays: number;
  notBackingUpDays: number;
}

// The partner's row as a stamp reads it, as a query a list can join: the page and its stamp
// then come in one round trip (models/accounts/list.ts).
export function healthStampQuery(db: Knex, partnerId: number): Knex.QueryBuilder {
  return db('partners as p')
    .where('p.id', partnerId)
    .select(
      'p.accounts_version',
      'p.overdue_days',
      'p.not_backing_up_days',
      db.raw('(SELECT max(health_seq) FROM customer_accounts WHERE partner_id = p.id) AS health_seq'),
    );
}

export function toHealthStamp(row: { accounts_version?: number | string; health_seq?: number | string | null; overdue_days?: number; not_backing_up_days?: number } | undefined): HealthStamp {
  return {
    accountsVersion: Number(row?.accounts_version ?? 0),
    healthSeq: Number(row?.health_seq ?? 0),
    overdueDays: row?.overdue_days ?? DEFAULT_THRESHOLDS.overdueDays,
    notBackingUpDays: row?.not_backing_up_days ?? DEFAULT_THRESHOLDS.notBackingUpDays,
  };
}

export async function readHealthStamp(db: Knex, partnerId: number): Promise<HealthStamp> {
  return toHealthStamp(await healthStampQuery(db, partnerId).first());
}

const stampText = (stamp: HealthStamp) => `${stamp.accountsVersion}:${stamp.healthSeq}:${stamp.overdueDays}:${stamp.notBackingUpDays}`;

// A small per-instance cache of figures over a partner's whole book (health counts, the
// Overview), reused while the stamp is unchanged and for at most maxAgeMs: time alone moves a
// computer from Up to date to Overdue, so that bounds how late a figure can notice it. Views
// that ask while a figure is being computed wait for that one.
export function stampedCache<T>(maxAgeMs: number, maxEntries = 2000) {
  const done = new Map<string, { stamp: string; at: number; value: T }>();
  const underWay = new Map<string, { stamp: string; value: Promise<T> }>();
  return async function cached(key: string, stamp: HealthStamp, now: Date, compute: () => Promise<T>): Promise<T> {
    const text = stampText(stamp);
    const hit = done.get(key);
    if (hit && hit.stamp === text && now.getTime() - hit.at >= 0 && now.getTime() - hit.at < maxAgeMs) return hit.value;
    const pending = underWay.get(key);
    if (pending && pending.stamp === text) return pending.value;
    const entry = { stamp: text, value: compute() };
    underWay.set(key, entry);
    try {
      const value = await entry.value;
      done.delete(key);
      if (done.size >= maxEntries) done.delete(done.keys().next().value!);
      done.set(key, { stamp: text, at: now.getTime(), value });
      return value;
    } finally {
      if (underWay.get(key) === entry) underWay.delete(key);
    }
  };
}

const healthCountsCache = stampedCache<HealthCounts>(30_000);

export async function countAccountsByHealthCached(
  db: Knex,
  applyFilters: (query: Knex.QueryBuilder) => Knex.QueryBuilder,
  partnerId: number,
  filters: CountFilters,
  clock: Clock,
  // The stamp read with the page, when there is one: no round trip of its own.
  pageStamp?: HealthStamp,
): Promise<HealthCounts> {
  const stamp = pageStamp ?? (await readHealthStamp(db, partnerId));
  const key = JSON.stringify([partnerId, clock.today, filters.search, filters.status ?? '', filters.productId ?? '', filters.administrator ?? '', filters.expiring ?? false, filters.pendingLong ?? false, filters.trialEnding ?? false]);
  return healthCountsCache(key, stamp, clock.now, () => countAccountsByHealth(db, applyFilters, partnerId, clock));
}
