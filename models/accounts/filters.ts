// The Accounts tab's filters and sorts, and the WHERE they make, shared by the list and the counts.
import type { Knex } from 'knex';
import type { Administrator } from '../purchases.ts';
import { statusConditions, type AccountStatus, type Clock } from './statuses.ts';
import { healthConditions, type BackupHealth } from './health.ts';

export type AccountSort = 'name' | 'expiry' | 'newest' | 'backup';

export const ACCOUNT_SORTS: readonly { id: AccountSort; label: string }[] = [
  { id: 'name', label: 'Name (A to Z)' },
  { id: 'expiry', label: 'Expiry (soonest first)' },
  { id: 'newest', label: 'Newest first' },
  { id: 'backup', label: 'Last backup (oldest first)' },
];

// The Overview's "expiring soon" and "pending for long" (their numbers link to these filters).
export const EXPIRING_WITHIN_DAYS = 30;
export const PENDING_LONGER_THAN_DAYS = 7;
// The Overview's "trials ending soon".
export const TRIAL_ENDING_WITHIN_DAYS = 7;

export const PAGE_SIZES = [25, 50, 100] as const;

export interface AccountFilters {
  search: string;
  status?: AccountStatus;
  productId?: string;
  administrator?: Administrator;
  health?: BackupHealth;
  // Subscriptions ending within EXPIRING_WITHIN_DAYS, not yet ended, without auto-renew (trials have their own).
  expiring?: boolean;
  // Free trials ending within TRIAL_ENDING_WITHIN_DAYS, not yet ended.
  trialEnding?: boolean;
  // Registrations pending (link still valid) since more than PENDING_LONGER_THAN_DAYS.
  pendingLong?: boolean;
  // Subscriptions with auto-renew on (true) or off (false).
  autoRenew?: boolean;
  sort: AccountSort;
}

const DAY_MS = 86_400_000;
const dayAfter = (today: string, days: number) => new Date(Date.parse(`${today}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

// What people type is matched as text, never as a pattern: %, _ and \ are escaped.
function likePattern(search: string): string {
  return `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

// The expression the trigram index is built on (migration 20261126000200): the search must
// use exactly this for the index to serve it.
const SEARCH_TEXT = `(lower(a.name) || ' ' || lower(a.email))`;

// The two "ending soon" filters as SQL over customer_accounts `a`: the filters and their
// counts use these. Expiring: ending within EXPIRING_WITHIN_DAYS and not set to renew itself,
// trials left out (they cannot renew; they have their own). Trials ending: a trial's last days.
export function endingSoonConditions(clock: Clock): Record<'expiring' | 'trialEnding', [string, Knex.RawBinding[]]> {
  return {
    expiring: ['a.ends_on BETWEEN ? AND ? AND NOT a.auto_renew AND NOT a.trial', [clock.today, dayAfter(clock.today, EXPIRING_WITHIN_DAYS)]],
    trialEnding: ['a.ends_on BETWEEN ? AND ? AND a.trial', [clock.today, dayAfter(clock.today, TRIAL_ENDING_WITHIN_DAYS)]],
  };
}

// Scopes a query over customer_accounts `a` to the partner, then to the filters.
export function applyFilters(query: Knex.QueryBuilder, partnerId: number, filters: Omit<AccountFilters, 'sort'>, clock: Clock, withStatus = true, withHealth = true) {
  query.where('a.partner_id', partnerId);
  if (filters.search) query.whereRaw(`${SEARCH_TEXT} LIKE lower(?)`, [likePattern(filters.search)]);
  if (filters.productId) query.where('a.product_id', filters.productId);
  if (filters.administrator) query.where('a.administrator', filters.administrator);
  if (withStatus && filters.status) {
    const [sql, bindings] = statusConditions(clock)[filters.status];
    query.whereRaw(sql, bindings);
  }
  if (withHealth && filters.health) {
    const [sql, bindings] = healthConditions(partnerId, clock)[filters.health];
    query.whereRaw(sql, bindings);
  }
  if (filters.autoRenew !== undefined) query.where('a.auto_renew', filters.autoRenew);
  if (filters.expiring) {
    const [sql, bindings] = endingSoonConditions(clock).expiring;
    query.whereRaw(sql, bindings);
  }
  if (filters.trialEnding) {
    const [sql, bindings] = endingSoonConditions(clock).trialEnding;
    query.whereRaw(sql, bindings);
  }
  if (filters.pendingLong) {
    const [sql, bindings] = statusConditions(clock).pending;
    query
      .whereRaw(sql, bindings)
      .whereRaw(
        'EXISTS (SELECT 1 FROM registration_invitations ri WHERE ri.customer_account_id = a.id AND ri.created_at <= ?)',
        [new Date(clock.now.getTime() - PENDING_LONGER_THAN_DAYS * DAY_MS)],
      );
  }
  return query;
}
