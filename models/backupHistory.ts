// Each computer's last 30 days of backups, a figure per day, for the charts on the account's
// Dashboard and the customer's Backup Dashboard. Read from the backups index
// (installation_id, completed_at) for one account's computers only, scoped in the query: a
// partner's account, or the signed-in customer's own.
import type { Knex } from 'knex';

export const HISTORY_DAYS = 30;
const DAY_MS = 86_400_000;

export interface BackupDay {
  day: string; // YYYY-MM-DD, in UTC as every date the product shows
  backups: number;
  // The largest backup that day: how much data the computer had backed up.
  bytes: number;
}

// The computers' days, oldest first, every one of the 30 present (a day without a backup has 0 backups).
export type BackupHistory = Map<number, BackupDay[]>;

export type HistoryScope = { partnerId: number; accountId: number } | { customerAccountId: number };

export function historyDays(now: Date): string[] {
  const today = Date.parse(`${now.toISOString().slice(0, 10)}T00:00:00Z`);
  return Array.from({ length: HISTORY_DAYS }, (_, i) => new Date(today - (HISTORY_DAYS - 1 - i) * DAY_MS).toISOString().slice(0, 10));
}

export async function findBackupHistory(db: Knex, scope: HistoryScope, now = new Date()): Promise<BackupHistory> {
  const days = historyDays(now);
  const query = db('installations as i')
    .join('subscriptions as s', 's.id', 'i.subscription_id')
    .join('backups as b', 'b.installation_id', 'i.id')
    .where('b.completed_at', '>=', new Date(`${days[0]}T00:00:00Z`))
    .groupBy('i.id', db.raw(`(b.completed_at AT TIME ZONE 'UTC')::date`))
    .select('i.id', db.raw(`to_char((b.completed_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day`), db.raw('count(*)::int AS backups'), db.raw('max(b.bytes) AS bytes'));
  if ('partnerId' in scope) query.where({ 's.customer_account_id': scope.accountId, 's.partner_id': scope.partnerId });
  else query.where('s.customer_account_id', scope.customerAccountId);
  const rows: { id: number; day: string; backups: number; bytes: string }[] = await query;
  const found = new Map<string, { backups: number; bytes: number }>(rows.map((r) => [`${r.id}:${r.day}`, { backups: r.backups, bytes: Number(r.bytes) }]));
  const ids = new Set(rows.map((r) => r.id));
  const history: BackupHistory = new Map();
  for (const id of ids) history.set(id, days.map((day) => ({ day, ...(found.get(`${id}:${day}`) ?? { backups: 0, bytes: 0 }) })));
  return history;
}

// A computer with no backup in 30 days still gets its 30 empty days.
export function historyOf(history: BackupHistory, installationId: number, now = new Date()): BackupDay[] {
  return history.get(installationId) ?? historyDays(now).map((day) => ({ day, backups: 0, bytes: 0 }));
}
