// The partner's Overview (and the weekly digest, which reports the same figures): how many
// accounts are in each backup trouble, expiring, or stuck in registration, and the worst
// accounts. Every figure is read from customer_accounts alone, scoped to the partner, with the
// same conditions as the Accounts list's filters, so a number and the list it links to agree.
import type { Knex } from 'knex';
import { applyFilters } from './accounts/filters.ts';
import {
  countAccountsByHealth,
  healthConditions,
  readHealthStamp,
  stampedCache,
  type BackupHealth,
  type HealthCounts,
  type HealthThresholds,
} from './accounts/health.ts';
import { clockAt, statusConditions, type Clock } from './accounts/statuses.ts';
import { recordAudit } from './audit.ts';
import type { SessionUser } from '../lib/auth/passport.ts';

export interface AttentionAccount {
  id: number;
  name: string;
  health: BackupHealth;
  computers: number;
  // The oldest last backup of its computers (Overdue, Not backing up), or since when one has waited.
  since: Date;
}

export interface Overview {
  thresholds: HealthThresholds;
  health: HealthCounts;
  expiringSoon: number;
  // Free trials ending within 7 days (not yet ended, not upgraded).
  trialsEnding: number;
  pendingLong: number;
  linkExpired: number;
  // The worst accounts, worst first: the longest without a backup, then the longest waiting.
  attention: AttentionAccount[];
}

export const ATTENTION_ROWS = 10;

const NO_FILTERS = { search: '' };

async function countWhere(db: Knex, partnerId: number, clock: Clock, filters: { expiring?: boolean; trialEnding?: boolean; pendingLong?: boolean }): Promise<number> {
  const row = await applyFilters(db('customer_accounts as a'), partnerId, { ...NO_FILTERS, ...filters }, clock).first(db.raw('count(*)::int AS n'));
  return row.n;
}

async function countLinkExpired(db: Knex, partnerId: number, clock: Clock): Promise<number> {
  const [sql, bindings] = statusConditions(clock).link_expired;
  const row = await db('customer_accounts as a').where('a.partner_id', partnerId).whereRaw(sql, bindings).first(db.raw('count(*)::int AS n'));
  return row.n;
}

// Two short walks down the partner's health indexes: the longest without a backup first
// (Not backing up, then Overdue, by their oldest last backup), then the longest waiting.
async function worstAccounts(db: Knex, partnerId: number, clock: Clock, limit = ATTENTION_ROWS): Promise<AttentionAccount[]> {
  const conditions = healthConditions(partnerId, clock);
  const columns = ['a.id', 'a.name', 'a.computers', 'a.oldest_backup_at', 'a.waiting_since'];
  const stale = await db('customer_accounts as a')
    .where('a.partner_id', partnerId)
    .where((q) => q.whereRaw(conditions.not_backing_up[0], conditions.not_backing_up[1]).orWhereRaw(conditions.overdue[0], conditions.overdue[1]))
    .orderBy([{ column: 'a.oldest_backup_at' }, { column: 'a.id' }])
    .limit(limit)
    .select([...columns, db.raw(`(${conditions.not_backing_up[0]}) AS not_backing_up`, conditions.not_backing_up[1])]);
  const waiting =
    stale.length < limit
      ? await db('customer_accounts as a')
          .where('a.partner_id', partnerId)
          .whereRaw(conditions.waiting[0], conditions.waiting[1])
          .orderBy([{ column: 'a.waiting_since' }, { column: 'a.id' }])
          .limit(limit - stale.length)
          .select(columns)
      : [];
  return [
    ...stale.map((r) => ({ id: r.id, name: r.name, computers: r.computers, health: (r.not_backing_up ? 'not_backing_up' : 'overdue') as BackupHealth, since: r.oldest_backup_at })),
    ...waiting.map((r) => ({ id: r.id, name: r.name, computers: r.computers, health: 'waiting' as BackupHealth, since: r.waiting_since })),
  ];
}

export async function computeOverview(db: Knex, partnerId: number, clock = clockAt()): Promise<Overview> {
  const stamp = await readHealthStamp(db, partnerId);
  const [health, expiringSoon, trialsEnding, pendingLong, linkExpired, attention] = await Promise.all([
    countAccountsByHealth(db, (q) => q.where('a.partner_id', partnerId), partnerId, clock),
    countWhere(db, partnerId, clock, { expiring: true }),
    countWhere(db, partnerId, clock, { trialEnding: true }),
    countWhere(db, partnerId, clock, { pendingLong: true }),
    countLinkExpired(db, partnerId, clock),
    worstAccounts(db, partnerId, clock),
  ]);
  return {
    thresholds: { overdueDays: stamp.overdueDays, notBackingUpDays: stamp.notBackingUpDays },
    health,
    expiringSoon,
    trialsEnding,
    pendingLong,
    linkExpired,
    attention,
  };
}

// Counting a 100,000-account book takes tens of milliseconds: the Overview is kept per partner
// while nothing about its accounts changed (their writes, their backups, the thresholds) and
// for at most 30 seconds, which bounds how late it notices a computer ageing into Overdue.
const overviewCache = stampedCache<Overview>(30_000);

export async function findOverview(db: Knex, partnerId: number, clock = clockAt()): Promise<Overview> {
  const stamp = await readHealthStamp(db, partnerId);
  return overviewCache(`${partnerId}:${clock.today}`, stamp, clock.now, () => computeOverview(db, partnerId, clock));
}

// The partner's mail in trouble: refused, given up, or failed at least once and waiting for a
// retry (an email queued a moment ago is not news). The owner's Overview and digest show how many.
export async function countUndeliveredMail(db: Knex, partnerId: number): Promise<number> {
  const row = await db('outbox_emails')
    .where({ partner_id: partnerId })
    .where((q) => q.whereIn('status', ['failed', 'dead']).orWhere((r) => r.where('status', 'pending').where('attempts', '>', 0)))
    .first(db.raw('count(*)::int AS n'));
  return row.n;
}

// The partner's thresholds, changed by an owner or administrator on the Backup monitoring
// page, and recorded in Activity in the same transaction.
export async function updateHealthThresholds(db: Knex, user: SessionUser, thresholds: HealthThresholds, address?: string): Promise<void> {
  await db.transaction(async (trx) => {
    const before = await trx('partners').where({ id: user.partnerId }).forUpdate().first('overdue_days', 'not_backing_up_days');
    await trx('partners').where({ id: user.partnerId }).update({ overdue_days: thresholds.overdueDays, not_backing_up_days: thresholds.notBackingUpDays });
    await recordAudit(trx, { type: 'user', user }, {
      partnerId: user.partnerId!,
      action: 'partner.backup_thresholds_changed',
      address,
      details: { before: { overdueDays: before.overdue_days, notBackingUpDays: before.not_backing_up_days }, after: thresholds },
    });
  });
}
