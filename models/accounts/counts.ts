// How many of the partner's accounts each status has, and the per-instance cache of those counts.
import type { Knex } from 'knex';
import { applyFilters, endingSoonConditions, type AccountFilters } from './filters.ts';
import { ACCOUNT_STATUSES, clockAt, statusConditions, type AccountStatus } from './statuses.ts';

// With the two "ending soon" filters' counts under the same filters (their links add them).
export type StatusCounts = Record<AccountStatus, number> & { all: number; expiring: number; trialEnding: number };

// How many accounts each status has under the other filters (search, product,
// administrator), so a count and the list its link opens agree. One pass over the
// partner's rows in customer_accounts_partner_status_idx, reading the index alone.
export async function countAccountsByStatus(db: Knex, partnerId: number, filters: Omit<AccountFilters, 'sort' | 'status'>, clock = clockAt()): Promise<StatusCounts> {
  const conditions = statusConditions(clock);
  const endingSoon = endingSoonConditions(clock);
  const query = applyFilters(db('customer_accounts as a'), partnerId, filters, clock, false).select(
    db.raw('count(*)::int AS "all"'),
    ...ACCOUNT_STATUSES.map((s) => db.raw(`count(*) FILTER (WHERE ${conditions[s.id][0]})::int AS ${s.id}`, conditions[s.id][1])),
    db.raw(`count(*) FILTER (WHERE ${endingSoon.expiring[0]})::int AS expiring`, endingSoon.expiring[1]),
    db.raw(`count(*) FILTER (WHERE ${endingSoon.trialEnding[0]})::int AS "trialEnding"`, endingSoon.trialEnding[1]),
  );
  const row = await query.first();
  return {
    all: row.all,
    active: row.active,
    trial: row.trial,
    pending: row.pending,
    link_expired: row.link_expired,
    expired: row.expired,
    expiring: row.expiring,
    trialEnding: row.trialEnding,
  };
}

// Counting a big partner's accounts reads every one of its rows (~30 ms for 100,000), too
// much for every page view. Counts are kept per partner and filters, and reused while the
// partner's accounts_version is unchanged (any write to its accounts moves it, in every
// instance) and for at most COUNTS_MAX_AGE_MS, which bounds how late a count can notice
// a link or subscription expiring by the clock alone. When the counts are due, the views
// that ask meanwhile wait for the one count under way instead of each starting their own:
// under load, sixteen counts at once held every page up for half a second.
const COUNTS_MAX_AGE_MS = 30_000;
const COUNTS_CACHE_SIZE = 2000;

interface Counted {
  version: number;
  today: string;
}

const countsCache = new Map<string, Counted & { at: number; counts: StatusCounts }>();
const countsUnderWay = new Map<string, Counted & { counts: Promise<StatusCounts> }>();

export async function countAccountsByStatusCached(
  db: Knex,
  partnerId: number,
  filters: Omit<AccountFilters, 'sort' | 'status'>,
  clock = clockAt(),
  knownVersion?: number,
): Promise<StatusCounts> {
  const version = knownVersion ?? Number((await db('partners').where({ id: partnerId }).first('accounts_version'))?.accounts_version ?? 0);
  const key = JSON.stringify([partnerId, filters.search, filters.productId ?? '', filters.administrator ?? '', filters.health ?? '', filters.expiring ?? false, filters.pendingLong ?? false, filters.autoRenew ?? '', filters.trialEnding ?? false]);
  const cached = countsCache.get(key);
  if (cached && cached.version === version && cached.today === clock.today && clock.now.getTime() - cached.at < COUNTS_MAX_AGE_MS) {
    return cached.counts;
  }
  const underWay = countsUnderWay.get(key);
  if (underWay && underWay.version === version && underWay.today === clock.today) return underWay.counts;
  const counts = countAccountsByStatus(db, partnerId, filters, clock);
  const entry = { version, today: clock.today, counts };
  countsUnderWay.set(key, entry);
  try {
    const counted = await counts;
    countsCache.delete(key);
    if (countsCache.size >= COUNTS_CACHE_SIZE) countsCache.delete(countsCache.keys().next().value!);
    countsCache.set(key, { version, today: clock.today, at: clock.now.getTime(), counts: counted });
    return counted;
  } finally {
    if (countsUnderWay.get(key) === entry) countsUnderWay.delete(key);
  }
}
