// Data for tests, made through the product's own model functions.
import crypto from 'node:crypto';
import type { SessionUser } from '../../lib/auth/passport.ts';
import { placePurchase, type PurchaseInput } from '../../models/purchases.ts';
import { testDatabase } from './hooks.ts';
import { testConfig, uniqueEmail, type TestPartner } from './app.ts';

export function partnerSessionUser(partner: TestPartner): SessionUser {
  return {
    key: `partner:${partner.userId}`,
    kind: 'partner',
    id: partner.userId,
    name: 'Pat Partner',
    email: partner.email,
    partnerId: partner.partnerId,
    partnerName: partner.company,
    role: 'owner',
  };
}

export interface TestAccount {
  accountId: number;
  email: string;
  keyCode: string;
  subscriptionId: number;
}

// A purchase as the partner would place it; defaults to a customer-managed Safe Basic for one year.
export async function purchaseFor(partner: TestPartner, overrides: Partial<PurchaseInput> = {}): Promise<TestAccount> {
  const email = overrides.customerEmail ?? uniqueEmail('customer');
  const input: PurchaseInput = {
    purchaseKey: crypto.randomUUID(),
    customerName: 'Jordan Customer',
    customerEmail: email,
    productId: 'safe',
    planId: 'safe-basic',
    computers: 1,
    termYears: 1,
    administrator: 'customer',
    ...overrides,
  };
  const { accountId } = await placePurchase(testDatabase().db, partnerSessionUser(partner), input, { config: testConfig() });
  const subscription = await testDatabase().db('subscriptions').where({ customer_account_id: accountId }).first('id', 'key_code');
  return { accountId, email, keyCode: subscription.key_code, subscriptionId: subscription.id };
}

// The newest registration link queued for an account, read from its outbox email.
export async function latestRegistrationUrl(accountId: number): Promise<string> {
  const row = await testDatabase()
    .db('outbox_emails')
    .where({ customer_account_id: accountId, template: 'registration-invitation' })
    .orderBy('id', 'desc')
    .first('data');
  if (!row) throw new Error(`No registration email for account ${accountId}`);
  return row.data.registrationUrl as string;
}
