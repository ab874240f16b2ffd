import { expect } from 'chai';
import type supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { clockAt } from '../../models/accounts/statuses.ts';
import { renewSubscription } from '../../models/renewals.ts';
import { changeSubscription } from '../../models/upgrades.ts';
import { upgradeTrial } from '../../models/trials.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, csrfTokenFrom, signInPartner, submitForm, testConfig, type TestApp, type TestPartner } from '../support/app.ts';
import { partnerSessionUser, purchaseFor } from '../support/fixtures.ts';

const db = () => testDatabase().db;
const daysFromToday = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

// The choice, Continue, and the review page's one-time key (from its hidden field) and token.
async function review(agent: supertest.Agent, form: string, reviewPage: string, fields: Record<string, string>, keyField: string) {
  const chosen = await submitForm(agent, form, fields);
  expect(chosen.status, chosen.text.slice(0, 400)).to.equal(303);
  expect(chosen.headers.location).to.equal(reviewPage);
  const page = await agent.get(reviewPage).expect(200);
  const key = new RegExp(`name="${keyField}" value="([^"]+)"`).exec(page.text)?.[1] ?? '';
  return { key, csrf: csrfTokenFrom(page.text) };
}

// Racing submits of one review page each store their session, and the last one stored wins: it
// may be one that found the order placed and so never learnt its number. Here the order is
// placed under the page's key without this session hearing of it, as such a race leaves it.
describe('Renew, Upgrade and Upgrade to a paid subscription when the session does not know its order was placed', () => {
  let t: TestApp;
  let partner: TestPartner;
  let agent: supertest.Agent;
  const context = () => ({ config: testConfig(), clock: clockAt() });

  before(async () => {
    t = buildTestApp();
    partner = await createTestPartner('Review Journey Test IT');
    agent = await signInPartner(t.app, partner);
  });
  after(() => t.close());

  async function expectComplete(accountId: number, reviewPage: string, complete: string, fields: Record<string, string>, texts: { review: string; again: string }) {
    const back = await agent.get(reviewPage).expect(303);
    expect(back.headers.location).to.equal(paths.partner.account(accountId));
    expect((await agent.get(back.headers.location).expect(200)).text).to.include(texts.review);
    const again = await agent.post(complete).type('form').send(fields).expect(303);
    expect(again.headers.location).to.equal(paths.partner.account(accountId));
    expect((await agent.get(again.headers.location).expect(200)).text).to.include(texts.again);
  }

  it('Renew: the review page says the renewal is complete, and Renew again names its order and renews nothing more', async () => {
    const account = await purchaseFor(partner, { administrator: 'partner' });
    await db()('subscriptions').where({ id: account.subscriptionId }).update({ ends_on: '2027-05-01' });
    const { key, csrf } = await review(agent, paths.partner.renew(account.accountId), paths.partner.reviewRenewal(account.accountId), { years: '1' }, 'renewalKey');
    const placed = await renewSubscription(db(), partnerSessionUser(partner), { accountId: account.accountId, years: 1, orderKey: `renewal:${key}` }, context());

    await expectComplete(account.accountId, paths.partner.reviewRenewal(account.accountId), paths.partner.completeRenewal(account.accountId), { renewalKey: key, _csrf: csrf }, {
      review: 'This renewal is complete. Here is the account.',
      again: `This renewal was already completed (order ${placed.orderId}). Here is the account.`,
    });
    expect(await db()('orders').where({ order_key: `renewal:${key}` })).to.have.length(1);
    expect((await db()('subscriptions').where({ id: account.subscriptionId }).first()).ends_on).to.equal('2028-05-01');
  });

  it('Upgrade: the review page says the change is complete, and Upgrade again names its order and changes nothing more', async () => {
    const account = await purchaseFor(partner, { productId: 'safe-backup-pro', planId: 'sbp-core', computers: 3, administrator: 'partner' });
    await db()('subscriptions').where({ id: account.subscriptionId }).update({ ends_on: daysFromToday(99) });
    const fields = { plan: 'sbp-power', computers: '4' };
    const { key, csrf } = await review(agent, paths.partner.upgrade(account.accountId), paths.partner.reviewUpgrade(account.accountId), fields, 'changeKey');
    const placed = await changeSubscription(db(), partnerSessionUser(partner), { accountId: account.accountId, change: { planId: 'sbp-power', computers: 4 }, orderKey: `change:${key}` }, context());
    expect(placed.orderId).to.be.a('number');

    await expectComplete(account.accountId, paths.partner.reviewUpgrade(account.accountId), paths.partner.completeUpgrade(account.accountId), { changeKey: key, _csrf: csrf }, {
      review: 'This change is complete. Here is the account.',
      again: `This change was already made (order ${placed.orderId}). Here is the account.`,
    });
    expect(await db()('orders').where({ order_key: `change:${key}` })).to.have.length(1);
    expect(await db()('audit_events').where({ customer_account_id: account.accountId, action: 'subscription.changed' })).to.have.length(1);
  });

  it('Upgrade to a paid subscription: the review page says the upgrade is complete, and Upgrade to paid again names its order and orders nothing more', async () => {
    const account = await purchaseFor(partner, { productId: 'safe-backup-pro', planId: 'sbp-core', computers: 3, administrator: 'partner', termYears: 0, trialDays: 30 });
    const fields = { plan: 'sbp-core', computers: '3', term: '1' };
    const { key, csrf } = await review(agent, paths.partner.upgradeTrial(account.accountId), paths.partner.reviewTrialUpgrade(account.accountId), fields, 'upgradeKey');
    const placed = await upgradeTrial(db(), partnerSessionUser(partner), { accountId: account.accountId, choice: { planId: 'sbp-core', computers: 3, termYears: 1 }, orderKey: `trial-upgrade:${key}` }, context());

    await expectComplete(account.accountId, paths.partner.reviewTrialUpgrade(account.accountId), paths.partner.completeTrialUpgrade(account.accountId), { upgradeKey: key, _csrf: csrf }, {
      review: 'This upgrade is complete. Here is the account.',
      again: `This upgrade was already completed (order ${placed.orderId}). Here is the account.`,
    });
    expect(await db()('orders').where({ order_key: `trial-upgrade:${key}` })).to.have.length(1);
    expect(await db()('audit_events').where({ customer_account_id: account.accountId, action: 'trial.upgraded' })).to.have.length(1);
  });
});
