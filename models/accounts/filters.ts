// The Accounts tab's filters and sorts, and the WHERE they make, shared by the list and the counts.
import type { Knex } from 'knex';
import type { Administrator } from '../purchases.ts';
import { statusConditions, type AccountStatus, type Clock } from './statuses.ts';

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

// What people type is matched as text, never as a pattern: %, _ and \ are escaped.
function likePattern(search: string): string {
  return `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

// The expression the trigram index is built on (migration 20261126000200): the search must
// use exactly this for the index to serve it.
const SEARCH_TEXT = `(lower(a.name) || ' ' || lower(a.email))`;

// Scopes a query over customer_accounts `a` to the partner, then to the filters.
export function applyFilters(query: Knex.QueryBuilder, partnerId: number, filters: Omit<AccountFilters, 'sort'>, clock: Clock, withStatus = true) {
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
