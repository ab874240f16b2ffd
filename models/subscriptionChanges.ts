// What Renew, Upgrade, Upgrade to a paid subscription and auto-renew share: each reads or
// changes the partner's subscription of one account, the first three as an order placed once
// per review page key.
import type { Knex } from 'knex';
import { NotFoundError } from '../lib/http/errors.ts';

// The partner's subscription of this account with the caller's columns (and any joins they
// need); another partner's account, or none, is a 404. Locked, concurrent changes of the one
// subscription queue on its row.
export async function findSubscriptionOfAccount(
  db: Knex | Knex.Transaction,
  { partnerId, accountId, lock }: { partnerId: number; accountId: number; lock: boolean },
  columns: (string | Knex.Raw)[],
  withJoins: (query: Knex.QueryBuilder) => Knex.QueryBuilder = (query) => query,
): Promise<Record<string, any>> {
  const query = withJoins(db('subscriptions as s').join('customer_accounts as a', 'a.id', 's.customer_account_id'))
    .where({ 'a.id': accountId, 'a.partner_id': partnerId, 's.partner_id': partnerId })
    .first(...columns);
  if (lock) query.forUpdate('s');
  const row = await query;
  if (!row) throw new NotFoundError();
  return row;
}

// The partner's order placed under this order key, if there is one yet.
export async function findOrderIdByKey(db: Knex | Knex.Transaction, partnerId: number, orderKey: string): Promise<number | undefined> {
  const row = await db('orders').where({ order_key: orderKey, partner_id: partnerId }).first('id');
  return row ? Number(row.id) : undefined;
}
