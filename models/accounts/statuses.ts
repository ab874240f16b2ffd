// The five statuses an account shows, their labels, and the one SQL definition of each.
import type { Knex } from 'knex';
import type { Administrator } from '../purchases.ts';

export type AccountStatus = 'active' | 'trial' | 'pending' | 'link_expired' | 'expired';

export const ACCOUNT_STATUSES: readonly { id: AccountStatus; label: string }[] = [
  { id: 'active', label: 'Active' },
  { id: 'trial', label: 'Trial' },
  { id: 'pending', label: 'Pending registration' },
  { id: 'link_expired', label: 'Registration link expired' },
  { id: 'expired', label: 'Expired' },
];

export const STATUS_LABELS = Object.fromEntries(ACCOUNT_STATUSES.map((s) => [s.id, s.label])) as Record<AccountStatus, string>;

export const ADMINISTRATOR_LABELS: Record<Administrator, string> = { partner: 'Partner', customer: 'Customer' };

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
// true (an ended trial not upgraded too); a running free trial is Trial, whether or not its
// customer has registered yet (the Dashboard shows that); a pending account whose newest link
// has expired is "Registration link expired". The conditions exclude each other, so the
// counts add up to the total.
export function statusConditions(clock: Clock): Record<AccountStatus, [string, Knex.RawBinding[]]> {
  return {
    expired: ['a.ends_on < ?', [clock.today]],
    trial: ['a.ends_on >= ? AND a.trial', [clock.today]],
    link_expired: [
      `a.ends_on >= ? AND NOT a.trial AND a.status = 'pending_registration' AND a.registration_link_expires_at <= ?`,
      [clock.today, clock.now],
    ],
    pending: [
      `a.ends_on >= ? AND NOT a.trial AND a.status = 'pending_registration' AND (a.registration_link_expires_at IS NULL OR a.registration_link_expires_at > ?)`,
      [clock.today, clock.now],
    ],
    active: [`a.ends_on >= ? AND NOT a.trial AND a.status = 'active'`, [clock.today]],
  };
}

const STATUS_CASE_ORDER: AccountStatus[] = ['expired', 'trial', 'link_expired', 'pending', 'active'];
// The conditions' SQL does not depend on the clock, only their bindings do.
const STATUS_CASE_SQL = `CASE ${STATUS_CASE_ORDER.map((s) => `WHEN ${statusConditions(clockAt())[s][0]} THEN '${s}'`).join(' ')} ELSE 'active' END`;

// The status of each row as one CASE expression, with its bindings.
export function statusCase(clock: Clock): [string, Knex.RawBinding[]] {
  const conditions = statusConditions(clock);
  return [STATUS_CASE_SQL, STATUS_CASE_ORDER.flatMap((s) => conditions[s][1])];
}
