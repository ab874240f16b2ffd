// Upgrade to a paid subscription: a trial becomes a paid term of 1, 2 or 3 years from today
// (ended or not), on a plan of its product, as an order. The key code and the activated
// computers carry over; the subscription stops being a trial (trial = false) and its trials row
// records when. The review page's one-time key makes the upgrade happen once.
import type { Knex } from 'knex';
import type { SessionUser } from '../lib/auth/passport.ts';
import { loadCatalog, totalPriceCents, TERMS_IN_YEARS, type Plan, type Product } from './catalog.ts';
import { recordAudit } from './audit.ts';
import { placeOrder, type OrderConfig } from './orders.ts';
import { subscriptionTerm } from './purchases.ts';
import type { Clock } from './accounts/statuses.ts';
import { findOrderIdByKey, findSubscriptionOfAccount } from './subscriptionChanges.ts';

// Renew, auto-renew and Upgrade are for paid subscriptions: a trial is upgraded to paid instead.
export class TrialSubscriptionError extends Error {
  constructor() {
    super('This subscription is a free trial: upgrade it to a paid subscription instead');
  }
}

// The trial is no longer one (upgraded meanwhile, perhaps in another tab).
export class NotATrialError extends Error {}

export class InvalidTrialUpgradeError extends Error {}

export interface TrialUpgradeChoice {
  planId: string;
  computers: number;
  termYears: number;
}

export interface TrialStart {
  accountId: number;
  customerName: string;
  product: Product;
  plans: Plan[];
  plan: Plan;
  computers: number;
  // Activated computers: the paid subscription needs room for each.
  computersUsed: number;
  minComputers: number;
  endsOn: string;
  ended: boolean;
}

function trialOf(db: Knex | Knex.Transaction, partnerId: number, accountId: number, lock: boolean) {
  return findSubscriptionOfAccount(db, { partnerId, accountId, lock }, [
    's.id',
    'a.name',
    's.product_id',
    's.plan_id',
    's.computers_allowed',
    's.ends_on',
    's.trial',
    db.raw('(SELECT count(*) FROM installations i WHERE i.subscription_id = s.id)::int AS computers_used'),
  ]);
}

// The trial as the Upgrade to a paid subscription page starts from; NotATrialError when it is not one.
export async function findTrialStart(db: Knex | Knex.Transaction, partnerId: number, accountId: number, clock: Clock): Promise<TrialStart> {
  const row = await trialOf(db, partnerId, accountId, false);
  if (!row.trial) throw new NotATrialError();
  const catalog = await loadCatalog(db as Knex);
  const product = catalog.products.find((p) => p.id === row.product_id)!;
  return {
    accountId,
    customerName: row.name,
    product,
    plans: catalog.plans.filter((p) => p.productId === product.id),
    plan: catalog.plans.find((p) => p.id === row.plan_id)!,
    computers: row.computers_allowed,
    computersUsed: row.computers_used,
    minComputers: Math.max(product.minComputers, row.computers_used),
    endsOn: row.ends_on,
    ended: row.ends_on < clock.today,
  };
}

export interface TrialUpgradeQuote {
  start: TrialStart;
  plan: Plan;
  computers: number;
  termYears: number;
  startsOn: string;
  endsOn: string;
  totalCents: number;
}

export function quoteTrialUpgrade(start: TrialStart, choice: TrialUpgradeChoice, clock: Clock): TrialUpgradeQuote {
  const plan = start.plans.find((p) => p.id === choice.planId);
  if (!plan) throw new InvalidTrialUpgradeError(`Choose a plan of ${start.product.name}`);
  if (!Number.isInteger(choice.computers) || choice.computers < start.minComputers || choice.computers > start.product.maxComputers) {
    throw new InvalidTrialUpgradeError('Number of computers out of range');
  }
  if (!(TERMS_IN_YEARS as readonly number[]).includes(choice.termYears)) throw new InvalidTrialUpgradeError('Unknown term');
  // The paid term starts the day of the upgrade, whether the trial is still running or ended.
  const term = subscriptionTerm(choice.termYears, clock.now);
  return { start, plan, computers: choice.computers, termYears: choice.termYears, ...term, totalCents: totalPriceCents(plan, choice.computers, choice.termYears) };
}

// Upgrades in one transaction, the subscription's row locked first so concurrent submits queue:
// the first places the order (kind trial_conversion, its confirmation email), makes the
// subscription paid and records Activity; the rest find its order key and change nothing.
export async function upgradeTrial(
  db: Knex,
  user: SessionUser,
  input: { accountId: number; choice: TrialUpgradeChoice; orderKey: string },
  context: { address?: string; config: OrderConfig; clock: Clock },
): Promise<{ orderId: number; created: boolean; endsOn: string }> {
  return db.transaction(async (trx) => {
    const row = await trialOf(trx, user.partnerId, input.accountId, true);
    const placedBefore = await findOrderIdByKey(trx, user.partnerId, input.orderKey);
    if (placedBefore) return { orderId: placedBefore, created: false, endsOn: row.ends_on };
    if (!row.trial) throw new NotATrialError();
    const quote = quoteTrialUpgrade(await findTrialStart(trx, user.partnerId, input.accountId, context.clock), input.choice, context.clock);
    const { start, plan } = quote;
    const order = await placeOrder(
      trx,
      {
        partnerId: user.partnerId,
        kind: 'trial_conversion',
        orderKey: input.orderKey,
        placedBy: { userId: user.id, name: user.name, email: user.email },
        lines: [
          {
            customerAccountId: input.accountId,
            customerName: start.customerName,
            productId: start.product.id,
            productName: start.product.name,
            planId: plan.id,
            planName: plan.name,
            computers: quote.computers,
            termYears: quote.termYears,
            startsOn: quote.startsOn,
            endsOn: quote.endsOn,
            unitPriceCents: plan.yearlyPriceCents,
            amountCents: quote.totalCents,
          },
        ],
      },
      context.config,
    );
    // Same row, same key code, same installations: only the terms change.
    await trx('subscriptions').where({ id: row.id }).update({
      trial: false,
      plan_id: plan.id,
      computers_allowed: quote.computers,
      term_years: quote.termYears,
      starts_on: quote.startsOn,
      ends_on: quote.endsOn,
      yearly_price_cents: plan.yearlyPriceCents,
      total_price_cents: quote.totalCents,
      next_plan_id: null,
    });
    await trx('trials').where({ customer_account_id: input.accountId, partner_id: user.partnerId }).update({ upgraded_at: trx.fn.now() });
    await recordAudit(trx, { type: 'user', user }, {
      partnerId: user.partnerId,
      customerAccountId: input.accountId,
      action: 'trial.upgraded',
      address: context.address,
      details: { product: start.product.name, plan: plan.name, computers: quote.computers, termYears: quote.termYears, endsOn: quote.endsOn, orderNumber: order.orderId },
    });
    return { orderId: order.orderId, created: true, endsOn: quote.endsOn };
  });
}
