import { expect } from 'chai';
import type supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { createKnex } from '../../lib/db/database.ts';
import { renderEmail } from '../../lib/mail/templates.ts';
import { runAutoRenewals } from '../../models/autoRenewals.ts';
import { clockAt } from '../../models/accounts/statuses.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, getForm, signInPartner, testConfig, type TestApp, type TestPartner } from '../support/app.ts';
import { purchaseFor, type TestAccount } from '../support/fixtures.ts';

const db = () => testDatabase().db;
const config = () => testConfig();

// The renewal job's tests run at a clock of their own, years ahead, so no other test's
// subscription is ever due in their window.
const NOW = new Date('2031-01-10T06:00:00Z');
const clock = clockAt(NOW);

async function enrolled(partner: TestPartner, endsOn: string, overrides: Parameters<typeof purchaseFor>[1] = {}): Promise<TestAccount> {
  const account = await purchaseFor(partner, { administrator: 'partner', ...overrides });
  await db()('subscriptions').where({ id: account.subscriptionId }).update({ ends_on: endsOn, auto_renew: true });
  return account;
}

const endOf = async (account: TestAccount) => (await db()('subscriptions').where({ id: account.subscriptionId }).first('ends_on')).ends_on as string;
const autoOrdersOf = (account: TestAccount) =>
  db()('orders as o').join('order_lines as l', 'l.order_id', 'o.id').where({ 'l.customer_account_id': account.accountId, 'o.kind': 'auto_renewal' }).select('o.*');

describe('Enable auto-renew and Disable auto-renew on the Dashboard', () => {
  let t: TestApp;
  let partner: TestPartner;
  let agent: supertest.Agent;

  before(async () => {
    t = buildTestApp();
    partner = await createTestPartner('Auto Renew Buttons IT');
    agent = await signInPartner(t.app, partner);
  });
  after(() => t.close());

  async function press(accountId: number, value: string, a = agent) {
    const { csrf } = await getForm(a, paths.partner.account(accountId));
    return a.post(paths.partner.autoRenew(accountId)).type('form').send({ autoRenew: value, _csrf: csrf });
  }

  it('turns auto-renew on and off, says when it renews, and records each change in Activity', async () => {
    const account = await purchaseFor(partner, { administrator: 'partner', termYears: 2 });
    await db()('subscriptions').where({ id: account.subscriptionId }).update({ ends_on: '2028-04-20' });
    const off = await agent.get(paths.partner.account(account.accountId)).expect(200);
    expect(off.text).to.include('<button type="submit" class="button button--secondary">Enable auto-renew</button>');

    const on = await press(account.accountId, 'on');
    expect(on.status).to.equal(303);
    expect(on.headers.location).to.equal(paths.partner.account(account.accountId));
    expect((await db()('subscriptions').where({ id: account.subscriptionId }).first()).auto_renew).to.equal(true);
    expect((await db()('customer_accounts').where({ id: account.accountId }).first()).auto_renew, 'the Accounts list reads it').to.equal(true);
    const dashboard = await agent.get(paths.partner.account(account.accountId)).expect(200);
    expect(dashboard.text).to.include('Auto-renew is on: the subscription renews for another 2 years on 13 April 2028');
    expect(dashboard.text).to.include('Disable auto-renew</button>');

    expect((await press(account.accountId, 'on')).status).to.equal(303);
    expect((await agent.get(paths.partner.account(account.accountId))).text).to.include('Auto-renew was already on.');

    await press(account.accountId, 'off');
    expect((await db()('subscriptions').where({ id: account.subscriptionId }).first()).auto_renew).to.equal(false);
    const actions = await db()('audit_events').where({ customer_account_id: account.accountId }).whereIn('action', ['auto_renew.enabled', 'auto_renew.disabled']).orderBy('id').pluck('action');
    expect(actions).to.deep.equal(['auto_renew.enabled', 'auto_renew.disabled']);
    const activity = await agent.get(`${paths.partner.activity}?account=${account.accountId}`).expect(200);
    expect(activity.text).to.include('Enabled auto-renew');
    expect(activity.text).to.include('Disabled auto-renew');
  });

  it('does not enrol a subscription that has ended: it says to Renew it first', async () => {
    const account = await purchaseFor(partner, { administrator: 'partner' });
    await db()('subscriptions').where({ id: account.subscriptionId }).update({ ends_on: '2025-01-01' });
    await press(account.accountId, 'on');
    expect((await db()('subscriptions').where({ id: account.subscriptionId }).first()).auto_renew).to.equal(false);
    expect((await agent.get(paths.partner.account(account.accountId))).text).to.include('This subscription has ended: Renew it, then you can enable auto-renew.');
  });

  it('changes nothing for a value that is not one of the buttons’, another partner’s account (404) or a missing CSRF token (403)', async () => {
    const account = await purchaseFor(partner, { administrator: 'partner' });
    await press(account.accountId, 'yes');
    expect((await agent.get(paths.partner.account(account.accountId))).text).to.include('Choose Enable auto-renew or Disable auto-renew.');
    const other = await createTestPartner('Not Yours IT');
    const otherAgent = await signInPartner(t.app, other);
    const { csrf } = await getForm(otherAgent, paths.partner.accounts);
    await otherAgent.post(paths.partner.autoRenew(account.accountId)).type('form').send({ autoRenew: 'on', _csrf: csrf }).expect(404);
    await agent.post(paths.partner.autoRenew(account.accountId)).type('form').send({ autoRenew: 'on' }).expect(403);
    expect((await db()('subscriptions').where({ id: account.subscriptionId }).first()).auto_renew).to.equal(false);
  });
});

describe('auto-renew in the Accounts list: the marker and the filter', () => {
  let t: TestApp;
  before(() => {
    t = buildTestApp();
  });
  after(() => t.close());

  it('marks enrolled accounts and filters on Auto-renew On or Off, with counts that match', async () => {
    const partner = await createTestPartner('Auto Renew List IT');
    const agent = await signInPartner(t.app, partner);
    const on = await purchaseFor(partner, { customerName: 'Enrolled Bakery', administrator: 'partner' });
    await purchaseFor(partner, { customerName: 'Manual Florist', administrator: 'partner' });
    await db()('subscriptions').where({ id: on.subscriptionId }).update({ auto_renew: true });

    const all = await agent.get(paths.partner.accounts).expect(200);
    expect(all.text).to.include('<label class="field__label" for="field-autoRenew">Auto-renew</label>');
    const rowOf = (html: string, name: string) => new RegExp(`${name}</a></td>[\\s\\S]*?</tr>`).exec(html)?.[0] ?? '';
    expect(rowOf(all.text, 'Enrolled Bakery')).to.include('>Auto-renew</span>');
    expect(rowOf(all.text, 'Manual Florist')).not.to.include('>Auto-renew</span>');

    const enrolled = await agent.get(`${paths.partner.accounts}?autoRenew=on`).expect(200);
    expect(enrolled.text).to.include('Enrolled Bakery');
    expect(enrolled.text).not.to.include('Manual Florist');
    expect(enrolled.text).to.include('All (1)');
    expect(enrolled.text).to.include('<option value="on" selected>On</option>');
    const manual = await agent.get(`${paths.partner.accounts}?autoRenew=off`).expect(200);
    expect(manual.text).to.include('Manual Florist');
    expect(manual.text).not.to.include('Enrolled Bakery');
    expect(manual.text).to.include('All (1)');
  });
});

describe('the renewal job', () => {
  let partner: TestPartner;
  before(async () => {
    partner = await createTestPartner('Renewal Job IT');
  });

  it('renews an enrolled subscription ending within AUTO_RENEW_DAYS_BEFORE days for its term, from the day after its end, with an order and emails', async () => {
    const due = await enrolled(partner, '2031-01-15', { productId: 'safe-backup-pro', planId: 'sbp-core', computers: 2, termYears: 2 });
    const edge = await enrolled(partner, '2031-01-17');
    const later = await enrolled(partner, '2031-01-18');
    const notEnrolled = await purchaseFor(partner, { administrator: 'partner' });
    await db()('subscriptions').where({ id: notEnrolled.subscriptionId }).update({ ends_on: '2031-01-12' });

    const run = await runAutoRenewals(db(), config(), clock);
    expect(run.renewed).to.be.at.least(2);
    expect(await endOf(due)).to.equal('2033-01-15');
    expect(await endOf(edge)).to.equal('2032-01-17');
    expect(await endOf(later), 'more than 7 days before its end').to.equal('2031-01-18');
    expect(await endOf(notEnrolled)).to.equal('2031-01-12');

    const [order] = await autoOrdersOf(due);
    expect(order).to.include({ kind: 'auto_renewal', placed_by_user_id: null, placed_by_name: 'Automatic renewal', total_cents: 28799 * 2 * 2 });
    const line = await db()('order_lines').where({ order_id: order.id }).first();
    expect(line).to.include({ starts_on: '2031-01-16', ends_on: '2033-01-15', term_years: 2 });
    const emails = await db()('outbox_emails').where({ template: 'order-confirmation' }).whereRaw(`data->>'orderNumber' = ?`, [String(order.id)]);
    expect(emails.map((e) => e.recipient), 'the partner’s owner').to.deep.equal([partner.email]);
    expect(await db()('audit_events').where({ customer_account_id: due.accountId, action: 'subscription.auto_renewed', actor_name: 'Automatic renewal' })).to.have.length(1);
  });

  it('renews nothing twice: run again, the same day or the next', async () => {
    const account = await enrolled(partner, '2031-01-14');
    await runAutoRenewals(db(), config(), clock);
    await runAutoRenewals(db(), config(), clock);
    await runAutoRenewals(db(), config(), clockAt(new Date('2031-01-11T06:00:00Z')));
    expect(await autoOrdersOf(account)).to.have.length(1);
    expect(await endOf(account)).to.equal('2032-01-14');
  });

  it('renews each subscription exactly once with two workers (two connection pools) and 20 passes at once', async () => {
    const accounts: TestAccount[] = [];
    for (let i = 0; i < 30; i += 1) accounts.push(await enrolled(partner, '2031-01-13', { customerName: `Twice Co ${i}` }));
    const second = createKnex(testDatabase().url, 5);
    try {
      const runs = await Promise.all(Array.from({ length: 20 }, (_, i) => runAutoRenewals(i % 2 ? second : db(), config(), clock, { batchSize: 7 })));
      expect(runs.reduce((sum, r) => sum + r.renewed, 0)).to.equal(30);
      expect(runs.reduce((sum, r) => sum + r.failed, 0)).to.equal(0);
    } finally {
      await second.destroy();
    }
    for (const account of accounts) {
      expect(await autoOrdersOf(account)).to.have.length(1);
      expect(await endOf(account)).to.equal('2032-01-13');
    }
  });

  it('leaves a subscription whose renewal failed mid-way as it was, renews the others, and renews it once on the next pass', async () => {
    const crashing = await enrolled(partner, '2031-01-16', { customerName: 'Crash Mid Renewal Co' });
    const fine = await enrolled(partner, '2031-01-16', { customerName: 'Fine Renewal Co' });
    // The order's line cannot be written for this customer: the renewal fails after its order row.
    await db().raw(`
      CREATE FUNCTION test_fail_renewal() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.customer_name = 'Crash Mid Renewal Co' THEN RAISE EXCEPTION 'simulated crash'; END IF;
        RETURN NEW;
      END $$`);
    await db().raw('CREATE TRIGGER test_fail_renewal BEFORE INSERT ON order_lines FOR EACH ROW EXECUTE FUNCTION test_fail_renewal()');
    let run;
    try {
      run = await runAutoRenewals(db(), config(), clock);
    } finally {
      await db().raw('DROP TRIGGER test_fail_renewal ON order_lines');
      await db().raw('DROP FUNCTION test_fail_renewal()');
    }
    expect(run.failed).to.equal(1);
    expect(await endOf(crashing)).to.equal('2031-01-16');
    expect(await db()('orders').where({ order_key: `auto-renew:${crashing.subscriptionId}:2031-01-16` })).to.have.length(0);
    expect(await endOf(fine)).to.equal('2032-01-16');

    const next = await runAutoRenewals(db(), config(), clock);
    expect(next).to.include({ failed: 0 });
    expect(await autoOrdersOf(crashing)).to.have.length(1);
    expect(await endOf(crashing)).to.equal('2032-01-16');
    expect(await autoOrdersOf(fine)).to.have.length(1);
  });

  it('does not silently skip a retired plan: the partner is told once (Activity, an email, the Dashboard), and nothing is renewed', async () => {
    const account = await enrolled(partner, '2031-01-15', { productId: 'safe', planId: 'safe-prime' });
    await db()('plans').where({ id: 'safe-prime' }).update({ retired_at: new Date() });
    try {
      const run = await runAutoRenewals(db(), config(), clock);
      expect(run.refused).to.equal(1);
      await runAutoRenewals(db(), config(), clock);
    } finally {
      await db()('plans').where({ id: 'safe-prime' }).update({ retired_at: null });
    }
    expect(await endOf(account)).to.equal('2031-01-15');
    expect(await autoOrdersOf(account)).to.have.length(0);
    expect(await db()('audit_events').where({ customer_account_id: account.accountId, action: 'auto_renew.refused' })).to.have.length(1);
    const emails = await db()('outbox_emails').where({ template: 'auto-renew-refused', partner_id: partner.partnerId });
    expect(emails.map((e) => e.recipient)).to.deep.equal([partner.email]);
    const rendered = await renderEmail('auto-renew-refused', emails[0].data, config());
    expect(rendered.subject).to.equal('Auto-renew could not renew Jordan Customer');
    expect(rendered.text).to.include('its Prime plan is no longer sold');
    expect(rendered.text).to.include('It ends on 15 January 2031.');

    const t = buildTestApp();
    try {
      const agent = await signInPartner(t.app, partner);
      const dashboard = await agent.get(paths.partner.account(account.accountId)).expect(200);
      expect(dashboard.text).to.include('Auto-renew could not renew this subscription: its Prime plan is no longer sold.');
    } finally {
      await t.close();
    }
  });
});
