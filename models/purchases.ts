import type { Knex } from 'knex';
import type { SessionUser } from '../lib/auth/passport.ts';
import { newKeyCode } from '../lib/codes.ts';
import { loadCatalog, totalPriceCents, TERMS_IN_YEARS } from './catalog.ts';
import { recordAudit } from './audit.ts';
import { issueInvitation, type InvitationConfig } from './registrationInvitations.ts';
import { placeOrder, type OrderConfig } from './orders.ts';

export type Administrator = 'partner' | 'customer';

export interface PurchaseInput {
  purchaseKey: string; // the review page's one-time key (a UUID)
  customerName: string;
  customerEmail: string;
  productId: string;
  planId: string;
  computers: number;
  // Years of a paid term; 0 for a trial.
  termYears: number;
  administrator: Administrator;
  // Start a trial: a free subscription of this many days, with no order.
  trialDays?: number;
}

export interface PlacedPurchase {
  accountId: number;
  // false when this purchase key had already placed the purchase (double submit, back button).
  created: boolean;
}

export class InvalidPurchaseError extends Error {}

// The customer's email has had a trial of this product with this partner already.
export class TrialTakenError extends Error {}

// A trial is for up to this many computers, or the product's own maximum where that is lower.
export const TRIAL_MAX_COMPUTERS = 10;

export const trialMaxComputers = (product: { maxComputers: number }) => Math.min(product.maxComputers, TRIAL_MAX_COMPUTERS);

// A subscription's calendar days in UTC: from the day it starts to the same day termYears later.
export function subscriptionTerm(termYears: number, start = new Date()): { startsOn: string; endsOn: string } {
  const endsOn = new Date(Date.UTC(start.getUTCFullYear() + termYears, start.getUTCMonth(), start.getUTCDate()));
  return { startsOn: start.toISOString().slice(0, 10), endsOn: endsOn.toISOString().slice(0, 10) };
}

// A trial's days, as a year's term is counted: from today to the same day `days` later.
export function trialTerm(days: number, start = new Date()): { startsOn: string; endsOn: string } {
  const endsOn = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate() + days));
  return { startsOn: start.toISOString().slice(0, 10), endsOn: endsOn.toISOString().slice(0, 10) };
}

// Whether the customer's email (in any case) has had a trial of the product with the partner.
export async function trialTaken(db: Knex, partnerId: number, customerEmail: string, productId: string): Promise<boolean> {
  const row = await db('trials').where({ partner_id: partnerId, product_id: productId }).whereRaw('lower(customer_email) = lower(?)', [customerEmail]).first('id');
  return Boolean(row);
}

// Places a purchase in one transaction: the customer account, its subscription with a
// fresh key code, its order (and the order confirmation email to the buyer), an audit event
// and, when the customer manages the account, the registration invitation and its email.
// The purchase key makes it happen once. A trial (input.trialDays) is the same but free: no
// order, its days for a term, and its row in trials, whose unique index refuses a second
// trial of the product for the customer's email (TrialTakenError, nothing kept).
export async function placePurchase(
  db: Knex,
  buyer: SessionUser,
  input: PurchaseInput,
  context: { address?: string; config: InvitationConfig & OrderConfig },
): Promise<PlacedPurchase> {
  const catalog = await loadCatalog(db);
  const plan = catalog.plans.find((p) => p.id === input.planId && p.productId === input.productId);
  const product = catalog.products.find((p) => p.id === input.productId);
  if (!plan || !product) throw new InvalidPurchaseError('Unknown product or plan');
  const trial = input.trialDays !== undefined;
  const maxComputers = trial ? trialMaxComputers(product) : product.maxComputers;
  if (!Number.isInteger(input.computers) || input.computers < product.minComputers || input.computers > maxComputers) {
    throw new InvalidPurchaseError('Number of computers out of range');
  }
  if (trial ? !Number.isInteger(input.trialDays) || input.trialDays! < 1 || input.termYears !== 0 : !(TERMS_IN_YEARS as readonly number[]).includes(input.termYears)) {
    throw new InvalidPurchaseError('Unknown term');
  }

  return db.transaction(async (trx) => {
    // A concurrent submit with the same key waits here on the unique index, then finds the row.
    const inserted = await trx('customer_accounts')
      .insert({
        partner_id: buyer.partnerId,
        name: input.customerName,
        email: input.customerEmail,
        administrator: input.administrator,
        status: input.administrator === 'partner' ? 'active' : 'pending_registration',
        purchase_key: input.purchaseKey,
      })
      .onConflict('purchase_key')
      .ignore()
      .returning('id');
    if (inserted.length === 0) {
      const existing = await trx('customer_accounts').where({ purchase_key: input.purchaseKey, partner_id: buyer.partnerId }).first('id');
      if (!existing) throw new InvalidPurchaseError('This purchase key belongs to someone else');
      return { accountId: existing.id, created: false };
    }
    const accountId: number = inserted[0].id;

    const { startsOn, endsOn } = trial ? trialTerm(input.trialDays!) : subscriptionTerm(input.termYears);
    const subscription = {
      customer_account_id: accountId,
      partner_id: buyer.partnerId,
      product_id: product.id,
      plan_id: plan.id,
      computers_allowed: input.computers,
      term_years: input.termYears,
      starts_on: startsOn,
      ends_on: endsOn,
      yearly_price_cents: trial ? 0 : plan.yearlyPriceCents,
      total_price_cents: trial ? 0 : totalPriceCents(plan, input.computers, input.termYears),
      trial,
    };
    // Key codes are random over 2^74: a clash is near impossible, but the unique index
    // decides, and a clash just draws again inside a savepoint.
    let keyCode = '';
    for (let attempt = 0; ; attempt += 1) {
      keyCode = newKeyCode();
      try {
        await trx.transaction(async (savepoint) => {
          await savepoint('subscriptions').insert({ ...subscription, key_code: keyCode });
        });
        break;
      } catch (error) {
        if ((error as { constraint?: string }).constraint !== 'subscriptions_key_code_unique' || attempt >= 5) throw error;
      }
    }

    // A trial is free: no order, only its row in trials. A purchase is an order.
    let orderNumber: number | undefined;
    if (trial) {
      // Waits on the unique index for a trial of the same customer and product being started
      // in another transaction; nothing inserted means one exists, and the whole trial is undone.
      const started = await trx.raw(
        `INSERT INTO trials (partner_id, customer_email, product_id, customer_account_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`,
        [buyer.partnerId, input.customerEmail, product.id, accountId],
      );
      if (started.rows.length === 0) throw new TrialTakenError(`${input.customerEmail} has had a trial of ${product.name} already`);
    } else {
      const order = await placeOrder(
        trx,
        {
          partnerId: buyer.partnerId,
          kind: 'purchase',
          orderKey: `purchase:${input.purchaseKey}`,
          placedBy: { userId: buyer.id, name: buyer.name, email: buyer.email },
          lines: [
            {
              customerAccountId: accountId,
              customerName: input.customerName,
              productId: product.id,
              productName: product.name,
              planId: plan.id,
              planName: plan.name,
              computers: input.computers,
              termYears: input.termYears,
              startsOn,
              endsOn,
              unitPriceCents: plan.yearlyPriceCents,
              amountCents: subscription.total_price_cents,
            },
          ],
        },
        context.config,
      );
      orderNumber = order.orderId;
    }

    await recordAudit(trx, { type: 'user', user: buyer }, {
      partnerId: buyer.partnerId,
      customerAccountId: accountId,
      action: trial ? 'trial.started' : 'purchase.completed',
      address: context.address,
      details: {
        customerName: input.customerName,
        product: product.name,
        plan: plan.name,
        computers: input.computers,
        ...(trial ? { days: input.trialDays, endsOn } : { termYears: input.termYears, orderNumber }),
        administrator: input.administrator,
      },
    });
    if (input.administrator === 'customer') await issueInvitation(trx, accountId, context.config);
    return { accountId, created: true };
  });
}
