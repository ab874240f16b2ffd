// The partner's forms about existing accounts: the Accounts tab's filters (read from the
// address bar) and the hand-over.
import { emailProblem, queryString, textField } from '../lib/forms/validation.ts';
import { formResult, type FormResult } from '../lib/forms/result.ts';
import type { Catalog } from '../models/catalog.ts';
import type { Administrator } from '../models/purchases.ts';
import { ACCOUNT_SORTS, EXPIRING_WITHIN_DAYS, PAGE_SIZES, PENDING_LONGER_THAN_DAYS, TRIAL_ENDING_WITHIN_DAYS, type AccountFilters, type AccountSort } from '../models/accounts/filters.ts';
import { ACCOUNT_STATUSES, type AccountStatus } from '../models/accounts/statuses.ts';
import { isBackupHealth } from '../models/accounts/health.ts';
import { ADMINISTRATORS } from './purchase.ts';

// The hand-over's value is the customer's email address, where the registration email goes.
export function readHandOver(body: unknown): FormResult<string> {
  const email = textField(body, 'email', 320);
  return formResult({ email }, { email: emailProblem(email, 'customer email address') }, () => email);
}

// The address bar's values of the Overview's two list filters (?expiring=30-days, ?pending=over-7-days).
export const EXPIRING_VALUE = `${EXPIRING_WITHIN_DAYS}-days`;
export const PENDING_LONG_VALUE = `over-${PENDING_LONGER_THAN_DAYS}-days`;
// The Overview's trials ending soon (?trialEnding=7-days).
export const TRIAL_ENDING_VALUE = `${TRIAL_ENDING_WITHIN_DAYS}-days`;

export interface AccountListQuery {
  filters: AccountFilters;
  size: number;
  after: string;
  before: string;
}

// The Accounts tab's address bar: anything unknown is ignored, never an error.
export function readAccountListQuery(query: Record<string, unknown>, catalog: Catalog): AccountListQuery {
  const status = queryString(query.status);
  const product = queryString(query.product);
  const administrator = queryString(query.administrator);
  const sort = queryString(query.sort);
  const health = queryString(query.health);
  const size = Number(queryString(query.size));
  return {
    filters: {
      // Control characters (a NUL above all) are never part of a name or an email.
      // eslint-disable-next-line no-control-regex
      search: queryString(query.q, 100).replace(/[\u0000-\u001f\u007f]/g, ''),
      status: ACCOUNT_STATUSES.some((s) => s.id === status) ? (status as AccountStatus) : undefined,
      productId: catalog.products.some((p) => p.id === product) ? product : undefined,
      administrator: ADMINISTRATORS.includes(administrator as Administrator) ? (administrator as Administrator) : undefined,
      health: isBackupHealth(health) ? health : undefined,
      expiring: queryString(query.expiring) === EXPIRING_VALUE || undefined,
      pendingLong: queryString(query.pending) === PENDING_LONG_VALUE || undefined,
      trialEnding: queryString(query.trialEnding) === TRIAL_ENDING_VALUE || undefined,
      autoRenew: queryString(query.autoRenew) === 'on' ? true : queryString(query.autoRenew) === 'off' ? false : undefined,
      sort: ACCOUNT_SORTS.some((s) => s.id === sort) ? (sort as AccountSort) : 'name',
    },
    size: (PAGE_SIZES as readonly number[]).includes(size) ? size : PAGE_SIZES[0],
    after: queryString(query.after, 2000),
    before: queryString(query.before, 2000),
  };
}
