import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { newKeyCode } from '../lib/codes.ts';
import { loadCatalog, totalPriceCents } from './catalog.ts';
import { recordAudit } from './audit.ts';
import { customerEmailInUse } from './customerUsers.ts';
import { subscriptionTerm } from './purchases.ts';

// A direct account: a customer of the vendor itself, in no partner's Portal (partner_id NULL).
export interface DirectAccountInput {
  name: string;
  email: string;
  passwordHash: string;
  productId: string;
  planId: string;
  computers: number;
  termYears?: number;
}

export interface DirectAccount {
  accountId: number;
  customerUserId: number;
  keyCode: string;
  endsOn: string;
}

export class CustomerEmailInUseError extends Error {}
export class InvalidDirectAccountError extends Error {}

// Registered at once and administered by the customer; the security questions are left
// for the customer to choose at their first Portal sign-in (the operator never knows them).
export async function createDirectAccount(db: Knex, input: DirectAccountInput): Promise<DirectAccount> {
  const catalog = await loadCatalog(db);
  const product = catalog.products.find((p) => p.id === input.productId);
  const plan = catalog.plans.find((p) => p.id === input.planId && p.productId === input.productId);
  if (!product || !plan) throw new InvalidDirectAccountError('Unknown product or plan');
  if (!Number.isInteger(input.computers) || input.computers < product.minComputers || input.computers > product.maxComputers) {
    throw new InvalidDirectAccountError(`${product.name} is sold for ${product.minComputers} to ${product.maxComputers} computers`);
  }
  const termYears = input.termYears ?? 1;
  try {
    return await db.transaction(async (trx) => {
      if (await customerEmailInUse(trx, input.email)) throw new CustomerEmailInUseError(input.email);
      const [account] = await trx('customer_accounts')
        .insert({
          partner_id: null,
          name: input.name,
          email: input.email,
          administrator: 'customer',
          status: 'active',
          registered_at: trx.fn.now(),
          purchase_key: crypto.randomUUID(),
        })
        .returning('id');
      const { startsOn, endsOn } = subscriptionTerm(termYears);
      const keyCode = newKeyCode();
      await trx('subscriptions').insert({
        customer_account_id: account.id,
        partner_id: null,
        product_id: product.id,
        plan_id: plan.id,
        computers_allowed: input.computers,
        term_years: termYears,
        starts_on: startsOn,
        ends_on: endsOn,
        key_code: keyCode,
        yearly_price_cents: plan.yearlyPriceCents,
        total_price_cents: totalPriceCents(plan, input.computers, termYears),
      });
      const [user] = await trx('customer_users')
        .insert({ customer_account_id: account.id, email: input.email, password_hash: input.passwordHash })
        .returning('id');
      await recordAudit(trx, { type: 'system', name: 'Operator' }, {
        partnerId: null,
        customerAccountId: account.id,
        action: 'direct_account.created',
        details: { customerName: input.name, product: product.name, plan: plan.name, computers: input.computers },
      });
      return { accountId: Number(account.id), customerUserId: Number(user.id), keyCode, endsOn };
    });
  } catch (error) {
    if ((error as { constraint?: string }).constraint === 'customer_users_email_unique') throw new CustomerEmailInUseError(input.email);
    throw error;
  }
}
