import crypto from 'node:crypto';
import { expect } from 'chai';
import type supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { proratedCents, remainingDays } from '../../models/upgrades.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, csrfTokenFrom, getForm, signInPartner, submitForm, type TestApp, type TestPartner } from '../support/app.ts';
import { purchaseFor, type TestAccount } from '../support/fixtures.ts';

const db = () => testDatabase().db;
const daysFromToday = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const subscriptionOf = (account: TestAccount) => db()('subscriptions').where({ id: account.subscriptionId }).first();

async function reviewUpgrade(agent: supertest.Agent, accountId: number, fields: Record<string, string>) {
  const chosen = await submitForm(agent, paths.partner.upgrade(accountId), fields);
  expect(chosen.status, chosen.text.slice(0, 300)).to.equal(303);
  const review = await agent.get(paths.partner.reviewUpgrade(accountId)).expect(200);
  return { html: review.text, changeKey: /name="changeKey" value="([^"]+)"/.exec(review.text)![1], csrf: csrfTokenFrom(review.text) };
}

describe('the prorated price of an upgrade', () => {
  it('counts the days left with today and the last day', () => {
    expect(remainingDays('2026-12-03', '2026-12-03')).to.equal(1);
    expect(remainingDays('2027-12-03', '2026-12-03')).to.equal(366);
    expect(remainingDays('2026-12-01', '2026-12-03')).to.equal(0);
  });
  it('is remaining days × yearly difference × computers ÷ 365, rounded to the cent', () => {
    expect(proratedCents(100, 47999 - 28799, 3)).to.equal(Math.round((100 * 19200 * 3) / 365)); // 15780.82 -> 15781
    expect(proratedCents(100, 47999 - 28799, 3)).to.equal(15781);
    expect(proratedCents(1, 1, 1)).to.equal(0);
    expect(proratedCents(183, 1, 1)).to.equal(1);
  });
});

describe('Upgrade: a higher plan or more computers now, prorated; a lower plan for the next term', () => {
  let t: TestApp;
  let partner: TestPartner;
  let agent: supertest.Agent;

  before(async () => {
    t = buildTestApp();
    partner = await createTestPartner('Upgrades Test IT');
    agent = await signInPartner(t.app, partner);
  });
  after(() => t.close());

  async function proCore(computers = 3, daysLeft = 100): Promise<TestAccount> {
    const account = await purchaseFor(partner, { productId: 'safe-backup-pro', planId: 'sbp-core', computers, administrator: 'partner' });
    await db()('subscriptions').where({ id: account.subscriptionId }).update({ ends_on: daysFromToday(daysLeft - 1) });
    return account;
  }

  it('upgrades Core to Power for the rest of the term: the rule and the price on the review page, an order, the plan at once', async () => {
    const account = await proCore();
    const dashboard = await agent.get(paths.partner.account(account.accountId)).expect(200);
    expect(dashboard.text).to.include(`href="${paths.partner.upgrade(account.accountId)}">Upgrade</a>`);
    const { html, changeKey, csrf } = await reviewUpgrade(agent, account.accountId, { plan: 'sbp-power', computers: '3' });
    expect(html).to.include('remaining days × (new yearly price − old yearly price) × computers ÷ 365, rounded to the cent');
    expect(html).to.include('<strong>$157.81</strong>');
    expect(html).to.include('100 (today to');
    await agent.post(paths.partner.completeUpgrade(account.accountId)).type('form').send({ changeKey, _csrf: csrf }).expect(303);
    expect(await subscriptionOf(account)).to.include({ plan_id: 'sbp-power', computers_allowed: 3, next_plan_id: null, key_code: account.keyCode });
    const order = await db()('orders').where({ order_key: `change:${changeKey}` }).first();
    expect(order).to.include({ kind: 'upgrade', total_cents: 15781 });
    const line = await db()('order_lines').where({ order_id: order.id }).first();
    expect(line).to.include({ plan_name: 'Power', computers: 3, days: 100, term_years: null, unit_price_cents: 47999, amount_cents: 15781 });
    expect(await db()('audit_events').where({ customer_account_id: account.accountId, action: 'subscription.changed' })).to.have.length(1);
    const activity = await agent.get(`${paths.partner.activity}?account=${account.accountId}`).expect(200);
    expect(activity.text).to.include(`Upgraded to the Power plan (order ${order.id})`);
  });

  it('adds computers to Safe Backup Pro at the plan’s yearly price for the days left', async () => {
    const account = await proCore(3, 73);
    const { html, changeKey, csrf } = await reviewUpgrade(agent, account.accountId, { plan: 'sbp-core', computers: '5' });
    const expected = Math.round((73 * 28799 * 2) / 365);
    expect(html).to.include(`$${(expected / 100).toFixed(2)}`);
    await agent.post(paths.partner.completeUpgrade(account.accountId)).type('form').send({ changeKey, _csrf: csrf }).expect(303);
    expect(await subscriptionOf(account)).to.include({ plan_id: 'sbp-core', computers_allowed: 5 });
    const order = await db()('orders').where({ order_key: `change:${changeKey}` }).first();
    expect(order).to.include({ kind: 'computers_added', total_cents: expected });
  });

  it('keeps a lower plan for the next term: no order now, the Dashboard says so, and the next renewal moves to it', async () => {
    const account = await purchaseFor(partner, { productId: 'safe-backup-pro', planId: 'sbp-ultimate', computers: 2, administrator: 'partner' });
    await db()('subscriptions').where({ id: account.subscriptionId }).update({ ends_on: '2027-10-31' });
    const { changeKey, csrf } = await reviewUpgrade(agent, account.accountId, { plan: 'sbp-core', computers: '2' });
    const done = await agent.post(paths.partner.completeUpgrade(account.accountId)).type('form').send({ changeKey, _csrf: csrf }).expect(303);
    expect(await subscriptionOf(account)).to.include({ plan_id: 'sbp-ultimate', next_plan_id: 'sbp-core' });
    expect(await db()('orders').where({ order_key: `change:${changeKey}` })).to.have.length(0);
    const dashboard = await agent.get(done.headers.location).expect(200);
    expect(dashboard.text).to.include('the plan you chose is kept for the next term');
    expect(dashboard.text).to.include('Core (a lower plan starts at the next renewal)');

    const chosen = await submitForm(agent, paths.partner.renew(account.accountId), { years: '1' });
    expect(chosen.status).to.equal(303);
    const review = await agent.get(paths.partner.reviewRenewal(account.accountId)).expect(200);
    expect(review.text).to.include('<strong>$575.98</strong>');
    const renewalKey = /name="renewalKey" value="([^"]+)"/.exec(review.text)![1];
    await agent.post(paths.partner.completeRenewal(account.accountId)).type('form').send({ renewalKey, _csrf: csrfTokenFrom(review.text) }).expect(303);
    expect(await subscriptionOf(account)).to.include({ plan_id: 'sbp-core', next_plan_id: null, ends_on: '2028-10-31' });
  });

  it('answers fewer computers, no change or another product’s plan with 422 and the message, changing nothing', async () => {
    const account = await proCore(4);
    const fewer = await submitForm(agent, paths.partner.upgrade(account.accountId), { plan: 'sbp-power', computers: '2' });
    expect(fewer.status).to.equal(422);
    expect(fewer.text).to.include('Number of computers cannot go below 4 during the term');
    const same = await submitForm(agent, paths.partner.upgrade(account.accountId), { plan: 'sbp-core', computers: '4' });
    expect(same.status).to.equal(422);
    expect(same.text).to.include('Choose a different plan or more computers');
    const other = await submitForm(agent, paths.partner.upgrade(account.accountId), { plan: 'safe-prime', computers: '4' });
    expect(other.status).to.equal(422);
    expect(other.text).to.include('Choose a plan of Safe Backup Pro');
    expect(await subscriptionOf(account)).to.include({ plan_id: 'sbp-core', computers_allowed: 4 });
  });

  it('makes one upgrade of 20 concurrent submits of one review page', async () => {
    const account = await proCore(2);
    const { changeKey, csrf } = await reviewUpgrade(agent, account.accountId, { plan: 'sbp-ultimate', computers: '6' });
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => agent.post(paths.partner.completeUpgrade(account.accountId)).type('form').send({ changeKey, _csrf: csrf })),
    );
    expect(responses.map((r) => r.status)).to.deep.equal(Array(20).fill(303));
    expect(await db()('orders').where({ order_key: `change:${changeKey}` })).to.have.length(1);
    expect(await db()('audit_events').where({ customer_account_id: account.accountId, action: 'subscription.changed' })).to.have.length(1);
    expect(await subscriptionOf(account)).to.include({ plan_id: 'sbp-ultimate', computers_allowed: 6 });
    const review = await agent.get(paths.partner.reviewUpgrade(account.accountId)).expect(303);
    expect(review.headers.location).to.equal(paths.partner.account(account.accountId));
  });

  it('Safe: Add a new computer starts a New purchase prefilled with the same customer', async () => {
    const account = await purchaseFor(partner, { customerName: 'Solo Writer', productId: 'safe', planId: 'safe-basic', administrator: 'partner' });
    const dashboard = await agent.get(paths.partner.account(account.accountId)).expect(200);
    expect(dashboard.text).to.include(`href="${paths.partner.newPurchase}?from=${account.accountId}">Add a new computer</a>`);
    const form = await agent.get(`${paths.partner.newPurchase}?from=${account.accountId}`).expect(200);
    expect(form.text).to.include('value="Solo Writer"');
    expect(form.text).to.include(`value="${account.email}"`);
    expect(form.text).to.match(/id="field-product" name="product" value="safe" checked/);

    // The second Safe subscription of the same customer (the email in another case): each Dashboard links the other.
    const second = await purchaseFor(partner, { customerName: 'Solo Writer (laptop)', customerEmail: account.email.toUpperCase(), productId: 'safe', planId: 'safe-basic', administrator: 'partner' });
    const first = await agent.get(paths.partner.account(account.accountId)).expect(200);
    expect(first.text).to.include('The customer’s other subscriptions');
    expect(first.text).to.include(`href="${paths.partner.account(second.accountId)}">Solo Writer (laptop)</a>`);
    const other = await agent.get(paths.partner.account(second.accountId)).expect(200);
    expect(other.text).to.include(`href="${paths.partner.account(account.accountId)}">Solo Writer</a>`);
    const elsewhere = await createTestPartner('Same Email Elsewhere IT');
    await purchaseFor(elsewhere, { customerName: 'Not Shown', customerEmail: account.email, administrator: 'partner' });
    expect((await agent.get(paths.partner.account(account.accountId))).text, 'another partner’s subscription').not.to.include('Not Shown');
  });

  it('answers 404 for another partner’s account, and sends an ended subscription to Renew', async () => {
    const account = await proCore();
    const other = await createTestPartner('Other Upgrades IT');
    const otherAgent = await signInPartner(t.app, other);
    await otherAgent.get(paths.partner.upgrade(account.accountId)).expect(404);
    await otherAgent.get(`${paths.partner.newPurchase}?from=${account.accountId}`).expect(404);
    const { csrf } = await getForm(otherAgent, paths.partner.newPurchase);
    await otherAgent.post(paths.partner.upgrade(account.accountId)).type('form').send({ plan: 'sbp-power', computers: '3', _csrf: csrf }).expect(404);
    await otherAgent.post(paths.partner.completeUpgrade(account.accountId)).type('form').send({ changeKey: crypto.randomUUID(), _csrf: csrf }).expect(404);

    await db()('subscriptions').where({ id: account.subscriptionId }).update({ ends_on: '2025-01-01' });
    const ended = await agent.get(paths.partner.upgrade(account.accountId)).expect(303);
    expect(ended.headers.location).to.equal(paths.partner.account(account.accountId));
  });
});
