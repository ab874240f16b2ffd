// Renew: another 1, 2 or 3 years of the same subscription (same key code, same computers),
// as an order. The new term starts the day after the current end, or today when the
// subscription has already ended. The order key makes a renewal happen once.
import type { Knex } from 'knex';
import type { SessionUser } from '../lib/auth/passport.ts';
import { TERMS_IN_YEARS } from './catalog.ts';
import { recordAudit } from './audit.ts';
import { placeOrder, type OrderConfig, type PlacedOrder } from './orders.ts';
import type { Clock } from './accounts/statuses.ts';
import { TrialSubscriptionError } from './trials.ts';
import { findOrderIdByKey, findSubscriptionOfAccount } from './subscriptionChanges.ts';

const DAY_MS = 86_400_000;

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

function addYears(day: string, years: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  return new Date(Date.UTC(d.getUTCFullYear() + years, d.getUTCMonth(), d.getUTCDate())).toISOString().slice(0, 10);
}

// The term a renewal adds. Still running: from the day after its last day to the same last
// day `years` later. Ended: from today, ending as a purchase made today would.
export function renewalTerm(currentEndsOn: string, years: number, today: string): { startsOn: string; endsOn: string } {
  if (currentEndsOn >= today) return { startsOn: addDays(currentEndsOn, 1), endsOn: addYears(currentEndsOn, years) };
  return { startsOn: today, endsOn: addYears(today, years) };
}

export class PlanRetiredError extends Error {}

export interface RenewalQuote {
  accountId: number;
  subscriptionId: number;
  customerName: string;
  productId: string;
  productName: string;
  planId: string;
  planName: string;
  planRetired: boolean;
  // A free trial: upgraded to a paid subscription, never renewed.
  trial: boolean;
  computers: number;
  years: number;
  currentEndsOn: string;
  ended: boolean;
  startsOn: string;
  endsOn: string;
  unitPriceCents: number;
  amountCents: number;
}

function subscriptionOf(db: Knex | Knex.Transaction, partnerId: number, accountId: number, lock: boolean) {
  return findSubscriptionOfAccount(
    db,
    { partnerId, accountId, lock },
    [
      's.id',
      'a.name as customer_name',
      's.product_id',
      'pr.name as product_name',
      'pl.id as plan_id',
      'pl.name as plan_name',
      'pl.yearly_price_cents',
      'pl.retired_at',
      's.computers_allowed',
      's.ends_on',
      's.trial',
    ],
    (query) =>
      query
        // The plan of the next term: a downgrade kept for it, or the current plan.
        .joinRaw('JOIN plans pl ON pl.id = COALESCE(s.next_plan_id, s.plan_id)')
        .join('products as pr', 'pr.id', 's.product_id'),
  );
}

function quoteFrom(row: Record<string, any>, accountId: number, years: number, today: string): RenewalQuote {
  const term = renewalTerm(row.ends_on, years, today);
  return {
    accountId,
    subscriptionId: Number(row.id),
    customerName: row.customer_name,
    productId: row.product_id,
    productName: row.product_name,
    planId: row.plan_id,
    planName: row.plan_name,
    planRetired: row.retired_at !== null,
    trial: row.trial,
    computers: row.computers_allowed,
    years,
    currentEndsOn: row.ends_on,
    ended: row.ends_on < today,
    ...term,
    unitPriceCents: row.yearly_price_cents,
    amountCents: row.yearly_price_cents * row.computers_allowed * years,
  };
}

// What renewing one of the partner's accounts for `years` would cost and give, today.
export async function quoteRenewal(db: Knex, partnerId: number, accountId: number, years: number, clock: Clock): Promise<RenewalQuote> {
  return quoteFrom(await subscriptionOf(db, partnerId, accountId, false), accountId, years, clock.today);
}

export type RenewalActor = { type: 'user'; user: SessionUser } | { type: 'system'; name: string };

export interface RenewalInput {
  partnerId: number;
  accountId: number;
  years: number;
  // "renewal:<review page key>", or "auto-renew:<subscription>:<the term's end>".
  orderKey: string;
  kind: 'renewal' | 'auto_renewal';
}

// Renews in the caller's transaction: the subscription's row is locked first, so concurrent
// renewals of it queue here and each sees the end date the one before it wrote; the order
// key then lets only the first of the same renewal through.
export async function renewInTransaction(
  trx: Knex.Transaction,
  actor: RenewalActor,
  input: RenewalInput,
  context: { address?: string; config: OrderConfig; clock: Clock },
): Promise<PlacedOrder & { endsOn: string }> {
  if (!(TERMS_IN_YEARS as readonly number[]).includes(input.years)) throw new Error(`Unknown term ${input.years}`);
  const row = await subscriptionOf(trx, input.partnerId, input.accountId, true);
  const placedBefore = await findOrderIdByKey(trx, input.partnerId, input.orderKey);
  if (placedBefore) return { orderId: placedBefore, created: false, endsOn: row.ends_on };
  const quote = quoteFrom(row, input.accountId, input.years, context.clock.today);
  if (quote.trial) throw new TrialSubscriptionError();
  if (quote.planRetired) throw new PlanRetiredError(`The ${quote.planName} plan is no longer sold`);

  const order = await placeOrder(
    trx,
    {
      partnerId: input.partnerId,
      kind: input.kind,
      orderKey: input.orderKey,
      placedBy: actor.type === 'user' ? { userId: actor.user.id, name: actor.user.name, email: actor.user.email } : { system: actor.name },
      lines: [
        {
          customerAccountId: input.accountId,
          customerName: quote.customerName,
          productId: quote.productId,
          productName: quote.productName,
          planId: quote.planId,
          planName: quote.planName,
          computers: quote.computers,
          termYears: quote.years,
          startsOn: quote.startsOn,
          endsOn: quote.endsOn,
          unitPriceCents: quote.unitPriceCents,
          amountCents: quote.amountCents,
        },
      ],
    },
    context.config,
  );
  if (!order.created) return { ...order, endsOn: row.ends_on };

  await trx('subscriptions').where({ id: quote.subscriptionId }).update({ ends_on: quote.endsOn, plan_id: quote.planId, next_plan_id: null });
  await recordAudit(trx, actor, {
    partnerId: input.partnerId,
    customerAccountId: input.accountId,
    action: input.kind === 'renewal' ? 'subscription.renewed' : 'subscription.auto_renewed',
    address: context.address,
    details: { years: quote.years, startsOn: quote.startsOn, endsOn: quote.endsOn, orderNumber: order.orderId },
  });
  return { ...order, endsOn: quote.endsOn };
}

export function renewSubscription(
  db: Knex,
  user: SessionUser,
  input: Omit<RenewalInput, 'partnerId' | 'kind'>,
  context: { address?: string; config: OrderConfig; clock: Clock },
): Promise<PlacedOrder & { endsOn: string }> {
  return db.transaction((trx) => renewInTransaction(trx, { type: 'user', user }, { ...input, partnerId: user.partnerId, kind: 'renewal' }, context));
}
