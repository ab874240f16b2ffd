import crypto from 'node:crypto';
import { expect } from 'chai';
import type supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, csrfTokenFrom, signInPartner, submitForm, uniqueEmail, type TestApp, type TestPartner } from '../support/app.ts';
import { purchaseFor } from '../support/fixtures.ts';
import { installComputer } from '../support/customers.ts';
import { addTeamMember } from '../support/team.ts';
import { isoWeek, queueWeeklyDigests } from '../../models/digests.ts';
import { overviewLinks } from '../../controllers/partner/overview.ts';

const db = () => testDatabase().db;
const DAY = 86_400_000;
const daysFromToday = (days: number) => new Date(Date.now() + days * DAY).toISOString().slice(0, 10);
const yearsFromToday = (years: number) => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear() + years, now.getUTCMonth(), now.getUTCDate())).toISOString().slice(0, 10);
};

function decode(text: string): string {
  return text.replace(/&#39;/g, "'").replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#34;/g, '"');
}

function listedIds(html: string): number[] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  return [...body.matchAll(/<td><a href="\/partner\/accounts\/(\d+)">/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
}

interface TrialFields {
  customerName?: string;
  customerEmail?: string;
  product?: string;
  plan?: string;
  computers?: string;
  administrator?: string;
}

const trialFields = (fields: TrialFields) => ({
  customerName: 'Trial Customer',
  customerEmail: uniqueEmail('trial'),
  product: 'safe-backup-pro',
  plan: 'sbp-core',
  computers: '3',
  administrator: 'partner',
  ...fields,
});

// The form, then the review page: its one-time purchase key and token.
async function reviewTrial(agent: supertest.Agent, fields: TrialFields) {
  const chosen = await submitForm(agent, paths.partner.newTrial, trialFields(fields));
  expect(chosen.status, chosen.text.slice(0, 400)).to.equal(303);
  expect(chosen.headers.location).to.equal(paths.partner.reviewTrial);
  const review = await agent.get(paths.partner.reviewTrial).expect(200);
  return { html: review.text, purchaseKey: /name="purchaseKey" value="([^"]+)"/.exec(review.text)![1], csrf: csrfTokenFrom(review.text) };
}

async function startTrial(agent: supertest.Agent, fields: TrialFields = {}): Promise<{ accountId: number; email: string }> {
  const values = trialFields(fields);
  const { purchaseKey, csrf } = await reviewTrial(agent, values);
  const done = await agent.post(paths.partner.startTrial).type('form').send({ purchaseKey, _csrf: csrf }).expect(303);
  const accountId = Number(/\/partner\/accounts\/(\d+)$/.exec(done.headers.location)![1]);
  return { accountId, email: values.customerEmail };
}

async function reviewUpgrade(agent: supertest.Agent, accountId: number, fields: Record<string, string>) {
  const chosen = await submitForm(agent, paths.partner.upgradeTrial(accountId), fields);
  expect(chosen.status, chosen.text.slice(0, 400)).to.equal(303);
  const review = await agent.get(paths.partner.reviewTrialUpgrade(accountId)).expect(200);
  return { html: decode(review.text), upgradeKey: /name="upgradeKey" value="([^"]+)"/.exec(review.text)![1], csrf: csrfTokenFrom(review.text) };
}

const subscriptionOf = (accountId: number) => db()('subscriptions').where({ customer_account_id: accountId }).first();

describe('Trials: Start a trial beside New purchase, and Upgrade to a paid subscription', () => {
  let t: TestApp;
  let partner: TestPartner;
  let agent: supertest.Agent;

  before(async () => {
    t = buildTestApp();
    partner = await createTestPartner('Trials Test IT');
    agent = await signInPartner(t.app, partner);
  });
  after(() => t.close());

  it('starts a partner-administered trial: no order, Trial in the list with its end date, TRIAL_DAYS long, in Activity, no email to the customer', async () => {
    const accounts = await agent.get(paths.partner.accounts).expect(200);
    expect(accounts.text).to.include(`href="${paths.partner.newTrial}">Start a trial</a>`);
    const ordersBefore = await db()('orders').where({ partner_id: partner.partnerId }).count('* as n').first();
    const { html } = await reviewTrial(agent, { customerName: 'Partner Run Trial' });
    expect(decode(html)).to.include('30 days, from');
    expect(html).to.include('Free: no order');
    expect(html).to.include('>Start trial</button>');
    const { accountId, email } = await startTrial(agent, { customerName: 'Partner Run Trial' });

    const subscription = await subscriptionOf(accountId);
    expect(subscription).to.include({ trial: true, term_years: 0, total_price_cents: 0, computers_allowed: 3, plan_id: 'sbp-core', ends_on: daysFromToday(30) });
    expect(await db()('customer_accounts').where({ id: accountId }).first('trial')).to.deep.equal({ trial: true });
    expect(await db()('trials').where({ customer_account_id: accountId })).to.have.length(1);
    expect(await db()('orders').where({ partner_id: partner.partnerId }).count('* as n').first()).to.deep.equal(ordersBefore);
    expect(await db()('outbox_emails').where({ customer_account_id: accountId })).to.have.length(0);

    const list = decode((await agent.get(`${paths.partner.accounts}?q=${encodeURIComponent(email)}`).expect(200)).text);
    expect(list).to.match(/<span class="tag tag--trial">Trial<\/span>/);
    expect(list).to.include('Trial ends');

    const dashboard = decode((await agent.get(paths.partner.account(accountId)).expect(200)).text);
    expect(dashboard).to.include(`href="${paths.partner.upgradeTrial(accountId)}">Upgrade to a paid subscription</a>`);
    expect(dashboard).to.not.include(`href="${paths.partner.renew(accountId)}"`);
    expect(dashboard).to.not.include(`href="${paths.partner.upgrade(accountId)}"`);
    expect(dashboard).to.not.include('Enable auto-renew');
    const activity = decode((await agent.get(`${paths.partner.activity}?account=${accountId}`).expect(200)).text);
    expect(activity).to.include('Trial started: Safe Backup Pro Core, 3 computers, 30 days until');
  });

  it('starts a customer-administered trial that sends the registration email', async () => {
    const { accountId, email } = await startTrial(agent, { administrator: 'customer', product: 'safe', plan: 'safe-basic', computers: '1' });
    const mail = await db()('outbox_emails').where({ customer_account_id: accountId });
    expect(mail.map((m) => [m.template, m.recipient])).to.deep.equal([['registration-invitation', email]]);
    expect(await db()('orders as o').join('order_lines as l', 'l.order_id', 'o.id').where({ 'l.customer_account_id': accountId })).to.have.length(0);
  });

  it('lasts TRIAL_DAYS days', async () => {
    const short = buildTestApp({ TRIAL_DAYS: '14' });
    try {
      const shortAgent = await signInPartner(short.app, partner);
      const { accountId } = await startTrial(shortAgent);
      expect((await subscriptionOf(accountId)).ends_on).to.equal(daysFromToday(14));
    } finally {
      await short.close();
    }
  });

  it('refuses a second trial of the same product for the same customer email (any case) with the message and the values kept; another product is fine', async () => {
    const email = uniqueEmail('once');
    await startTrial(agent, { customerEmail: email });
    const again = await submitForm(agent, paths.partner.newTrial, trialFields({ customerEmail: email.toUpperCase(), customerName: 'Second Go' }));
    expect(again.status).to.equal(422);
    const html = decode(again.text);
    expect(html).to.match(/<title>Error: Start a trial/);
    expect(html).to.include(`${email.toUpperCase()} has already had a trial of Safe Backup Pro: one trial per customer and product`);
    expect(html).to.include('value="Second Go"');
    expect(html).to.include('href="#field-customerEmail"');
    expect(await db()('trials').where({ partner_id: partner.partnerId }).whereRaw('lower(customer_email) = ?', [email])).to.have.length(1);

    const other = await startTrial(agent, { customerEmail: email, product: 'safe', plan: 'safe-plus', computers: '1' });
    expect((await subscriptionOf(other.accountId)).trial).to.equal(true);
  });

  it('refuses the second of two trials reviewed in two tabs when both are started, keeping nothing of it', async () => {
    const email = uniqueEmail('tabs');
    const other = await signInPartner(t.app, partner);
    const first = await reviewTrial(agent, { customerEmail: email });
    const second = await reviewTrial(other, { customerEmail: email, customerName: 'Other Tab' });
    await agent.post(paths.partner.startTrial).type('form').send({ purchaseKey: first.purchaseKey, _csrf: first.csrf }).expect(303);
    const refused = await other.post(paths.partner.startTrial).type('form').send({ purchaseKey: second.purchaseKey, _csrf: second.csrf });
    expect(refused.status).to.equal(422);
    expect(decode(refused.text)).to.include('has already had a trial of Safe Backup Pro');
    expect(refused.text).to.include('value="Other Tab"');
    expect(await db()('customer_accounts').where({ partner_id: partner.partnerId, email })).to.have.length(1);
  });

  it('allows up to 10 computers (Safe: 1) and says so', async () => {
    const form = decode((await agent.get(paths.partner.newTrial).expect(200)).text);
    expect(form).to.include('Safe Backup Pro: 1 to 10');
    expect(form).to.include('Safe: 1 computer (fixed)');
    expect(form).to.not.include('name="term"');
    const tooMany = await submitForm(agent, paths.partner.newTrial, trialFields({ computers: '11' }));
    expect(tooMany.status).to.equal(422);
    expect(tooMany.text).to.include('Number of computers must be between 1 and 10');
    expect(tooMany.text).to.include('value="11"');
  });

  it('makes one trial of 20 concurrent submits of one review page', async () => {
    const email = uniqueEmail('twenty');
    const { purchaseKey, csrf } = await reviewTrial(agent, { customerEmail: email });
    const responses = await Promise.all(Array.from({ length: 20 }, () => agent.post(paths.partner.startTrial).type('form').send({ purchaseKey, _csrf: csrf })));
    expect(responses.map((r) => r.status)).to.deep.equal(Array(20).fill(303));
    const accounts = await db()('customer_accounts').where({ partner_id: partner.partnerId, email });
    expect(accounts).to.have.length(1);
    expect(new Set(responses.map((r) => r.headers.location))).to.deep.equal(new Set([paths.partner.account(accounts[0].id)]));
    expect(await db()('audit_events').where({ customer_account_id: accounts[0].id, action: 'trial.started' })).to.have.length(1);
  });

  it('upgrades a trial to paid: the price and the new end date on the review page, an order with its confirmation email and receipt, the key code and computers kept', async () => {
    const { accountId } = await startTrial(agent, { computers: '3' });
    const before = await subscriptionOf(accountId);
    await installComputer({ accountId, email: '', keyCode: before.key_code, subscriptionId: before.id }, 'TRIAL-PC-1');
    const form = decode((await agent.get(paths.partner.upgradeTrial(accountId)).expect(200)).text);
    expect(form).to.match(/id="field-plan" name="plan" value="sbp-core" checked/);

    const { html, upgradeKey, csrf } = await reviewUpgrade(agent, accountId, { plan: 'sbp-power', computers: '4', term: '2' });
    expect(html).to.include('<strong>$3,839.92</strong>'); // 479.99 × 4 × 2
    expect(html).to.include('New end date');
    const done = await agent.post(paths.partner.completeTrialUpgrade(accountId)).type('form').send({ upgradeKey, _csrf: csrf }).expect(303);
    expect(done.headers.location).to.equal(paths.partner.account(accountId));

    const after = await subscriptionOf(accountId);
    expect(after).to.include({ id: before.id, key_code: before.key_code, trial: false, plan_id: 'sbp-power', computers_allowed: 4, term_years: 2, starts_on: daysFromToday(0), ends_on: yearsFromToday(2), total_price_cents: 383992 });
    expect(await db()('installations').where({ subscription_id: before.id })).to.have.length(1);
    expect((await db()('customer_accounts').where({ id: accountId }).first('trial')).trial).to.equal(false);
    expect((await db()('trials').where({ customer_account_id: accountId }).first()).upgraded_at).to.be.instanceOf(Date);

    const order = await db()('orders').where({ order_key: `trial-upgrade:${upgradeKey}` }).first();
    expect(order).to.include({ kind: 'trial_conversion', total_cents: 383992 });
    const line = await db()('order_lines').where({ order_id: order.id }).first();
    expect(line).to.include({ plan_name: 'Power', computers: 4, term_years: 2, unit_price_cents: 47999, amount_cents: 383992 });
    const mail = await db()('outbox_emails').where({ template: 'order-confirmation', idempotency_key: `order-confirmation:${order.id}:${partner.userId}` });
    expect(mail).to.have.length(1);
    expect(mail[0].data.kindLabel).to.equal('Trial upgraded to paid');
    const dashboard = decode((await agent.get(paths.partner.account(accountId)).expect(200)).text);
    expect(dashboard).to.match(/<span class="tag tag--active">Active<\/span>/);
    expect(dashboard).to.include(`href="${paths.partner.renew(accountId)}"`);
    expect(dashboard).to.include('Upgraded to a paid subscription until');
    const receipt = decode((await agent.get(paths.partner.order(order.id)).expect(200)).text);
    expect(receipt).to.include('Trial upgraded to paid');

    const activity = decode((await agent.get(`${paths.partner.activity}?account=${accountId}`).expect(200)).text);
    expect(activity).to.include(`Trial upgraded to a paid subscription: Safe Backup Pro Power, 4 computers, 2 years, until`);
    // Upgraded: its page now says so instead of offering another upgrade.
    const again = await agent.get(paths.partner.upgradeTrial(accountId)).expect(303);
    expect(again.headers.location).to.equal(paths.partner.account(accountId));
  });

  it('refuses fewer computers than are activated, no term, or another product’s plan, with the message and values kept', async () => {
    const { accountId } = await startTrial(agent, { computers: '3' });
    const s = await subscriptionOf(accountId);
    for (const name of ['A', 'B']) await installComputer({ accountId, email: '', keyCode: s.key_code, subscriptionId: s.id }, `PC-${name}`);
    const res = await submitForm(agent, paths.partner.upgradeTrial(accountId), { plan: 'safe-prime', computers: '1', term: '' });
    expect(res.status).to.equal(422);
    const html = decode(res.text);
    expect(html).to.include('Choose a plan of Safe Backup Pro');
    expect(html).to.include('Number of computers must be between 2 and 500 (2 computers are activated)');
    expect(html).to.include('Choose a term');
    expect(html).to.include('value="1"');
    expect((await subscriptionOf(accountId)).trial).to.equal(true);
  });

  it('places one order for 20 concurrent submits of one upgrade review page', async () => {
    const { accountId } = await startTrial(agent);
    const { upgradeKey, csrf } = await reviewUpgrade(agent, accountId, { plan: 'sbp-core', computers: '3', term: '1' });
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => agent.post(paths.partner.completeTrialUpgrade(accountId)).type('form').send({ upgradeKey, _csrf: csrf })),
    );
    expect(responses.map((r) => r.status)).to.deep.equal(Array(20).fill(303));
    const orders = await db()('order_lines as l').join('orders as o', 'o.id', 'l.order_id').where({ 'l.customer_account_id': accountId });
    expect(orders).to.have.length(1);
    expect(await db()('audit_events').where({ customer_account_id: accountId, action: 'trial.upgraded' })).to.have.length(1);
    const review = await agent.get(paths.partner.reviewTrialUpgrade(accountId)).expect(303);
    expect(review.headers.location).to.equal(paths.partner.account(accountId));
  });

  it('shows an ended trial as Expired, and still upgrades it late: the paid term starts that day', async () => {
    const { accountId } = await startTrial(agent, { product: 'safe', plan: 'safe-basic', computers: '1' });
    await db()('subscriptions').where({ customer_account_id: accountId }).update({ starts_on: daysFromToday(-40), ends_on: daysFromToday(-10) });
    const dashboard = decode((await agent.get(paths.partner.account(accountId)).expect(200)).text);
    expect(dashboard).to.match(/<span class="tag tag--expired">Expired<\/span>/);
    expect(dashboard).to.include('This is a free trial. It ended on');
    const { html, upgradeKey, csrf } = await reviewUpgrade(agent, accountId, { plan: 'safe-basic', term: '1' });
    expect(html).to.include('<strong>$71.99</strong>');
    await agent.post(paths.partner.completeTrialUpgrade(accountId)).type('form').send({ upgradeKey, _csrf: csrf }).expect(303);
    expect(await subscriptionOf(accountId)).to.include({ trial: false, starts_on: daysFromToday(0), ends_on: yearsFromToday(1) });
  });

  it('gives a trial no Renew, Upgrade or auto-renew, even asked directly', async () => {
    const { accountId } = await startTrial(agent);
    const renew = await agent.get(paths.partner.renew(accountId)).expect(303);
    expect(renew.headers.location).to.equal(paths.partner.upgradeTrial(accountId));
    const upgrade = await agent.get(paths.partner.upgrade(accountId)).expect(303);
    expect(upgrade.headers.location).to.equal(paths.partner.upgradeTrial(accountId));
    const dashboard = await agent.get(paths.partner.account(accountId)).expect(200);
    await agent.post(paths.partner.autoRenew(accountId)).type('form').send({ autoRenew: 'on', _csrf: csrfTokenFrom(dashboard.text) }).expect(303);
    expect((await subscriptionOf(accountId)).auto_renew).to.equal(false);
  });

  it('answers 404 for another partner’s trial, and 403 to a Read-only user', async () => {
    const { accountId } = await startTrial(agent);
    const otherPartner = await createTestPartner('Other Trials IT');
    const otherAgent = await signInPartner(t.app, otherPartner);
    await otherAgent.get(paths.partner.upgradeTrial(accountId)).expect(404);
    await otherAgent.get(paths.partner.reviewTrialUpgrade(accountId)).expect(404);
    const page = await otherAgent.get(paths.partner.accounts).expect(200);
    await otherAgent.post(paths.partner.completeTrialUpgrade(accountId)).type('form').send({ upgradeKey: crypto.randomUUID(), _csrf: csrfTokenFrom(page.text) }).expect(404);

    const reader = await addTeamMember(partner, 'read_only');
    const readerAgent = await signInPartner(t.app, reader);
    const list = await readerAgent.get(paths.partner.accounts).expect(200);
    expect(list.text).to.not.include('Start a trial');
    await readerAgent.get(paths.partner.newTrial).expect(403);
    await readerAgent.get(paths.partner.upgradeTrial(accountId)).expect(403);
    await readerAgent.post(paths.partner.newTrial).type('form').send({ ...trialFields({}), _csrf: csrfTokenFrom(list.text) }).expect(403);
    await readerAgent.post(paths.partner.completeTrialUpgrade(accountId)).type('form').send({ upgradeKey: crypto.randomUUID(), _csrf: csrfTokenFrom(list.text) }).expect(403);
    expect((await subscriptionOf(accountId)).trial).to.equal(true);
  });
});

describe('the Accounts list’s Trial, Expiring within 30 days and Trials ending filters, and the Overview’s trial tile', () => {
  let t: TestApp;
  let partner: TestPartner;
  let agent: supertest.Agent;
  const ids: Record<string, number> = {};

  before(async () => {
    t = buildTestApp();
    partner = await createTestPartner('Trial Filters IT');
    agent = await signInPartner(t.app, partner);
    ids.trialSoon = (await startTrial(agent, { customerName: 'Trial Soon' })).accountId;
    await db()('subscriptions').where({ customer_account_id: ids.trialSoon }).update({ ends_on: daysFromToday(5) });
    ids.trialLater = (await startTrial(agent, { customerName: 'Trial Later', administrator: 'customer' })).accountId;
    ids.trialEnded = (await startTrial(agent, { customerName: 'Trial Ended' })).accountId;
    await db()('subscriptions').where({ customer_account_id: ids.trialEnded }).update({ ends_on: daysFromToday(-1) });
    const paidSoon = await purchaseFor(partner, { customerName: 'Paid Soon', administrator: 'partner' });
    await db()('subscriptions').where({ id: paidSoon.subscriptionId }).update({ ends_on: daysFromToday(12) });
    ids.paidSoon = paidSoon.accountId;
    ids.paidLater = (await purchaseFor(partner, { customerName: 'Paid Later', administrator: 'partner' })).accountId;
  });
  after(() => t.close());

  const countOf = (html: string, label: string) => Number(new RegExp(`>${label} \\((\\d+)\\)</a>`).exec(decode(html))?.[1]);

  it('counts Trial among the statuses (a running trial, pending registration or not), adding up to All, and lists exactly those', async () => {
    const res = await agent.get(paths.partner.accounts).expect(200);
    expect(countOf(res.text, 'Trial')).to.equal(2);
    expect(countOf(res.text, 'Expired')).to.equal(1);
    const statuses = ['Active', 'Trial', 'Pending registration', 'Registration link expired', 'Expired'].map((s) => countOf(res.text, s));
    expect(statuses.reduce((a, b) => a + b, 0)).to.equal(countOf(res.text, 'All'));
    const trials = await agent.get(`${paths.partner.accounts}?status=trial`).expect(200);
    expect(listedIds(trials.text)).to.deep.equal([ids.trialSoon, ids.trialLater].sort((a, b) => a - b));
  });

  it('counts Expiring within 30 days (trials left out) and Trials ending within 7 days, each linking to exactly those', async () => {
    const res = await agent.get(paths.partner.accounts).expect(200);
    expect(countOf(res.text, 'Expiring within 30 days')).to.equal(1);
    expect(countOf(res.text, 'Trials ending within 7 days')).to.equal(1);
    const expiring = await agent.get(`${paths.partner.accounts}?expiring=30-days`).expect(200);
    expect(listedIds(expiring.text)).to.deep.equal([ids.paidSoon]);
    const ending = await agent.get(`${paths.partner.accounts}?trialEnding=7-days`).expect(200);
    expect(listedIds(ending.text)).to.deep.equal([ids.trialSoon]);
    expect(ending.text).to.include('<input type="hidden" name="trialEnding" value="7-days">');
  });

  it('shows the Overview’s Trials ending within 7 days tile, exact and linking to exactly those,', async () => {
    const res = decode((await agent.get(paths.partner.overview).expect(200)).text);
    const tile = /id="tile-trials-ending">Trials ending within 7 days<\/h3>\s*<p class="tile__count"><a href="([^"]+)">1 account</.exec(res);
    expect(tile, 'the tile with 1 account').to.not.equal(null);
    const expiringTile = /id="tile-expiring">Expiring within 30 days<\/h3>\s*<p class="tile__count"><a href="([^"]+)">1 account</.exec(res);
    expect(expiringTile, 'trials are not counted as expiring').to.not.equal(null);
    const list = await agent.get(tile![1]).expect(200);
    expect(listedIds(list.text)).to.deep.equal([ids.trialSoon]);

    const quiet = await createTestPartner('Quiet Trials IT');
    const quietAgent = await signInPartner(t.app, quiet);
    const none = decode((await quietAgent.get(paths.partner.overview).expect(200)).text);
    expect(none).to.match(/id="tile-trials-ending">Trials ending within 7 days<\/h3>\s*<p class="tile__count tile__count--none">None<\/p>/);
  });

  it('reports Trials ending within 7 days in the owner’s weekly digest, linking to the same filter', async () => {
    await queueWeeklyDigests(db(), t.config, overviewLinks());
    const email = await db()('outbox_emails').where({ idempotency_key: `weekly-digest:${partner.userId}:${isoWeek(new Date())}` }).first('data');
    const figure = email.data.figures.find((f: { label: string }) => f.label === 'Trials ending within 7 days');
    expect(figure).to.include({ count: 1 });
    expect(figure.url).to.match(/\/partner\/accounts\?trialEnding=7-days&sort=expiry$/);
    expect(email.data.figures.find((f: { label: string }) => f.label === 'Expiring within 30 days')).to.include({ count: 1 });
  });
});
