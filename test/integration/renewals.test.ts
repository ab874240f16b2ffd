import { expect } from 'chai';
import type supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { renewalTerm } from '../../models/renewals.ts';
import { activateInstallation } from '../../models/installations.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, csrfTokenFrom, getForm, signInPartner, submitForm, type TestApp, type TestPartner } from '../support/app.ts';
import { purchaseFor, type TestAccount } from '../support/fixtures.ts';

const db = () => testDatabase().db;
const today = () => new Date().toISOString().slice(0, 10);
const daysFromToday = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

async function setEnd(account: TestAccount, endsOn: string): Promise<void> {
  await db()('subscriptions').where({ id: account.subscriptionId }).update({ ends_on: endsOn });
}

// Renew, Continue, and the review page's key and token.
async function reviewRenewal(agent: supertest.Agent, accountId: number, years: string): Promise<{ html: string; renewalKey: string; csrf: string }> {
  const chosen = await submitForm(agent, paths.partner.renew(accountId), { years });
  expect(chosen.status).to.equal(303);
  expect(chosen.headers.location).to.equal(paths.partner.reviewRenewal(accountId));
  const review = await agent.get(paths.partner.reviewRenewal(accountId)).expect(200);
  const renewalKey = /name="renewalKey" value="([^"]+)"/.exec(review.text)?.[1] ?? '';
  return { html: review.text, renewalKey, csrf: csrfTokenFrom(review.text) };
}

describe('renewalTerm: the days a renewal adds', () => {
  it('starts the day after a running subscription’s end and ends on the same day years later', () => {
    expect(renewalTerm('2027-03-10', 1, '2026-12-03')).to.deep.equal({ startsOn: '2027-03-11', endsOn: '2028-03-10' });
    expect(renewalTerm('2026-12-03', 3, '2026-12-03')).to.deep.equal({ startsOn: '2026-12-04', endsOn: '2029-12-03' });
    expect(renewalTerm('2027-12-31', 2, '2026-12-03')).to.deep.equal({ startsOn: '2028-01-01', endsOn: '2029-12-31' });
  });
  it('starts today for a subscription that has ended, as a purchase made today would', () => {
    expect(renewalTerm('2026-11-30', 1, '2026-12-03')).to.deep.equal({ startsOn: '2026-12-03', endsOn: '2027-12-03' });
    expect(renewalTerm('2026-12-02', 2, '2026-12-03')).to.deep.equal({ startsOn: '2026-12-03', endsOn: '2028-12-03' });
  });
});

describe('Renew: from the Dashboard, a review page with the price and the new end date, once', () => {
  let t: TestApp;
  let partner: TestPartner;
  let agent: supertest.Agent;

  before(async () => {
    t = buildTestApp();
    partner = await createTestPartner('Renewals Test IT');
    agent = await signInPartner(t.app, partner);
  });
  after(() => t.close());

  it('offers Renew on the Dashboard and 1, 2 or 3 years, each with its price and end date', async () => {
    const account = await purchaseFor(partner, { productId: 'safe-backup-pro', planId: 'sbp-core', computers: 4, administrator: 'partner' });
    await setEnd(account, '2027-06-30');
    const dashboard = await agent.get(paths.partner.account(account.accountId)).expect(200);
    expect(dashboard.text).to.include(`href="${paths.partner.renew(account.accountId)}">Renew</a>`);
    const { html } = await getForm(agent, paths.partner.renew(account.accountId));
    expect(html).to.include('<legend class="fieldset__legend">Renew for</legend>');
    expect(html).to.match(/<label for="field-years">1 year<\/label>/);
    expect(html).to.include('$1,151.96, until 30 June 2028');
    expect(html).to.include('$3,455.88, until 30 June 2030');
  });

  it('answers no choice with 422 and the message, renewing nothing', async () => {
    const account = await purchaseFor(partner, { administrator: 'partner' });
    const res = await submitForm(agent, paths.partner.renew(account.accountId), { years: '' });
    expect(res.status).to.equal(422);
    expect(res.text).to.match(/<title>Error: Renew/);
    expect(res.text).to.include('Choose how many years to renew for');
    const five = await submitForm(agent, paths.partner.renew(account.accountId), { years: '5' });
    expect(five.status).to.equal(422);
    expect(await db()('orders').where({ partner_id: partner.partnerId, kind: 'renewal' })).to.have.length(0);
  });

  it('renews a running subscription from the day after its end: same key code and computers, an order, an audit event and a confirmation', async () => {
    const account = await purchaseFor(partner, { productId: 'safe-backup-pro', planId: 'sbp-power', computers: 3, administrator: 'partner' });
    await setEnd(account, '2027-03-10');
    await activateInstallation(db(), { keyCode: account.keyCode, computerName: 'Renewed PC', platform: 'windows' });
    const { html, renewalKey, csrf } = await reviewRenewal(agent, account.accountId, '2');
    expect(html).to.include('From 11 March 2027 to 10 March 2029');
    expect(html).to.include('<strong>$2,879.94</strong>');
    expect(html).to.include('The new term starts the day after the current end date, or today if the subscription has already ended.');

    const done = await agent.post(paths.partner.completeRenewal(account.accountId)).type('form').send({ renewalKey, _csrf: csrf }).expect(303);
    expect(done.headers.location).to.equal(paths.partner.account(account.accountId));
    const subscription = await db()('subscriptions').where({ id: account.subscriptionId }).first();
    expect(subscription).to.include({ ends_on: '2029-03-10', key_code: account.keyCode, computers_allowed: 3 });
    expect(await db()('installations').where({ subscription_id: account.subscriptionId })).to.have.length(1);
    expect((await db()('customer_accounts').where({ id: account.accountId }).first()).ends_on, 'the Accounts list reads the new end').to.equal('2029-03-10');

    const order = await db()('orders').where({ order_key: `renewal:${renewalKey}` }).first();
    expect(order).to.include({ kind: 'renewal', partner_id: partner.partnerId, total_cents: 47999 * 3 * 2, placed_by_user_id: partner.userId });
    const line = await db()('order_lines').where({ order_id: order.id }).first();
    expect(line).to.include({ customer_account_id: account.accountId, term_years: 2, starts_on: '2027-03-11', ends_on: '2029-03-10', unit_price_cents: 47999 });
    const audit = await db()('audit_events').where({ customer_account_id: account.accountId, action: 'subscription.renewed' });
    expect(audit).to.have.length(1);
    expect(audit[0].details).to.include({ years: 2, endsOn: '2029-03-10', orderNumber: order.id });
    expect(await db()('outbox_emails').where({ template: 'order-confirmation', recipient: partner.email }).whereRaw(`data->>'orderNumber' = ?`, [String(order.id)])).to.have.length(1);

    const dashboard = await agent.get(done.headers.location).expect(200);
    expect(dashboard.text).to.include('Renewed: the subscription now ends on 10 March 2029.');
    expect(dashboard.text).to.include(`href="${paths.partner.order(order.id)}">Order ${order.id}</a>`);
    const activity = await agent.get(`${paths.partner.activity}?account=${account.accountId}`).expect(200);
    expect(activity.text).to.include(`Renewed for 2 years, until 10 March 2029 (order ${order.id})`);
  });

  it('renews an ended subscription from today, and it is Active again', async () => {
    const account = await purchaseFor(partner, { administrator: 'partner' });
    await setEnd(account, daysFromToday(-40));
    expect((await agent.get(paths.partner.account(account.accountId)).expect(200)).text).to.include('Expired');
    const { html, renewalKey, csrf } = await reviewRenewal(agent, account.accountId, '1');
    expect(html).to.include('(ended)');
    await agent.post(paths.partner.completeRenewal(account.accountId)).type('form').send({ renewalKey, _csrf: csrf }).expect(303);
    const next = new Date();
    const expected = new Date(Date.UTC(next.getUTCFullYear() + 1, next.getUTCMonth(), next.getUTCDate())).toISOString().slice(0, 10);
    expect((await db()('subscriptions').where({ id: account.subscriptionId }).first()).ends_on).to.equal(expected);
    const line = await db()('order_lines').where({ customer_account_id: account.accountId }).orderBy('id', 'desc').first();
    expect(line.starts_on).to.equal(today());
    const dashboard = await agent.get(paths.partner.account(account.accountId)).expect(200);
    expect(dashboard.text).to.include('tag--active');
  });

  it('renews once for 20 concurrent submits of one review page, and once after the back button and another submit', async () => {
    const account = await purchaseFor(partner, { administrator: 'partner' });
    await setEnd(account, '2027-05-01');
    const { renewalKey, csrf } = await reviewRenewal(agent, account.accountId, '1');
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => agent.post(paths.partner.completeRenewal(account.accountId)).type('form').send({ renewalKey, _csrf: csrf })),
    );
    expect(responses.map((r) => r.status)).to.deep.equal(Array(20).fill(303));
    expect(new Set(responses.map((r) => r.headers.location))).to.deep.equal(new Set([paths.partner.account(account.accountId)]));
    expect((await db()('subscriptions').where({ id: account.subscriptionId }).first()).ends_on).to.equal('2028-05-01');
    expect(await db()('orders').where({ order_key: `renewal:${renewalKey}` })).to.have.length(1);
    expect(await db()('audit_events').where({ customer_account_id: account.accountId, action: 'subscription.renewed' })).to.have.length(1);

    const again = await agent.post(paths.partner.completeRenewal(account.accountId)).type('form').send({ renewalKey, _csrf: csrf }).expect(303);
    expect((await agent.get(again.headers.location)).text).to.include('This renewal was already completed');
    const review = await agent.get(paths.partner.reviewRenewal(account.accountId)).expect(303);
    expect(review.headers.location).to.equal(paths.partner.account(account.accountId));
    expect((await db()('subscriptions').where({ id: account.subscriptionId }).first()).ends_on).to.equal('2028-05-01');
  });

  it('renews nothing from a stale review page whose choice was changed in another tab', async () => {
    const account = await purchaseFor(partner, { administrator: 'partner' });
    await setEnd(account, '2027-08-01');
    const stale = await reviewRenewal(agent, account.accountId, '3');
    await reviewRenewal(agent, account.accountId, '1');
    const res = await agent.post(paths.partner.completeRenewal(account.accountId)).type('form').send({ renewalKey: stale.renewalKey, _csrf: stale.csrf }).expect(303);
    expect(res.headers.location).to.equal(paths.partner.renew(account.accountId));
    expect((await db()('subscriptions').where({ id: account.subscriptionId }).first()).ends_on).to.equal('2027-08-01');
  });

  it('does not renew a subscription on a retired plan, and says so', async () => {
    const account = await purchaseFor(partner, { productId: 'safe', planId: 'safe-plus', administrator: 'partner' });
    await setEnd(account, '2027-02-01');
    const { renewalKey, csrf } = await reviewRenewal(agent, account.accountId, '1');
    await db()('plans').where({ id: 'safe-plus' }).update({ retired_at: new Date() });
    try {
      const review = await agent.get(paths.partner.reviewRenewal(account.accountId)).expect(200);
      expect(review.text).to.include('The Plus plan is no longer sold');
      expect(review.text).not.to.include('name="renewalKey"');
      const res = await agent.post(paths.partner.completeRenewal(account.accountId)).type('form').send({ renewalKey, _csrf: csrf }).expect(303);
      expect((await agent.get(res.headers.location)).text).to.include('Nothing was renewed.');
      expect((await db()('subscriptions').where({ id: account.subscriptionId }).first()).ends_on).to.equal('2027-02-01');
    } finally {
      await db()('plans').where({ id: 'safe-plus' }).update({ retired_at: null });
    }
  });

  it('answers 404 for another partner’s account at every step, and 403 without a CSRF token', async () => {
    const mine = await purchaseFor(partner, { administrator: 'partner' });
    await setEnd(mine, '2027-09-09');
    const other = await createTestPartner('Other Renewals IT');
    const otherAgent = await signInPartner(t.app, other);
    await otherAgent.get(paths.partner.renew(mine.accountId)).expect(404);
    const { csrf } = await getForm(otherAgent, paths.partner.newPurchase);
    await otherAgent.post(paths.partner.renew(mine.accountId)).type('form').send({ years: '1', _csrf: csrf }).expect(404);
    await otherAgent.get(paths.partner.reviewRenewal(mine.accountId)).expect(404);
    const { renewalKey } = await reviewRenewal(agent, mine.accountId, '1');
    await otherAgent.post(paths.partner.completeRenewal(mine.accountId)).type('form').send({ renewalKey, _csrf: csrf }).expect(404);
    await agent.post(paths.partner.completeRenewal(mine.accountId)).type('form').send({ renewalKey }).expect(403);
    expect((await db()('subscriptions').where({ id: mine.subscriptionId }).first()).ends_on).to.equal('2027-09-09');
  });
});
