import { expect } from 'chai';
import type supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { renderEmail } from '../../lib/mail/templates.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, csrfTokenFrom, getForm, signInPartner, submitForm, testConfig, type TestApp, type TestPartner } from '../support/app.ts';
import { purchaseFor } from '../support/fixtures.ts';
import { installComputer, registeredCustomer, signInCustomer } from '../support/customers.ts';
import { addTeamMember } from '../support/team.ts';

const db = () => testDatabase().db;

describe('Release account (the account leaves the partner’s Portal)', () => {
  let t: TestApp;
  let partner: TestPartner;
  let agent: supertest.Agent;

  before(async () => {
    t = buildTestApp();
    partner = await createTestPartner('Release Partner IT');
    agent = await signInPartner(t.app, partner);
  });
  after(() => t.close());

  it('releases a registered customer’s account: nothing deleted, gone from the partner, the customer emailed and still signed in, Activity kept', async () => {
    const customer = await registeredCustomer(partner, { customerName: 'Releasable Ltd', productId: 'safe-backup-pro', planId: 'sbp-core', computers: 2 });
    await installComputer(customer, 'RELEASE-PC');
    await db()('subscriptions').where({ id: customer.subscriptionId }).update({ auto_renew: true });

    const dashboard = await agent.get(paths.partner.account(customer.accountId)).expect(200);
    expect(dashboard.text).to.include(`href="${paths.partner.releaseAccount(customer.accountId)}"`);
    const page = await agent.get(paths.partner.releaseAccount(customer.accountId)).expect(200);
    expect(page.text).to.include('Yes, release account');

    const res = await submitForm(agent, paths.partner.releaseAccount(customer.accountId), {});
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal(paths.partner.accounts);

    const account = await db()('customer_accounts').where({ id: customer.accountId }).first();
    expect(account.partner_id).to.equal(null);
    expect(account.status).to.equal('active');
    const subscription = await db()('subscriptions').where({ id: customer.subscriptionId }).first();
    expect(subscription.partner_id).to.equal(null);
    expect(subscription.auto_renew).to.equal(false);
    expect(await db()('installations').where({ subscription_id: customer.subscriptionId }).count('* as n').first()).to.deep.equal({ n: 1 });

    const emails = await db()('outbox_emails').where({ customer_account_id: customer.accountId, template: 'account-released' }).select('recipient', 'partner_id', 'data');
    expect(emails).to.have.length(1);
    expect(emails[0].recipient).to.equal(customer.email);
    expect(Number(emails[0].partner_id)).to.equal(partner.partnerId);
    const rendered = await renderEmail('account-released', emails[0].data, testConfig());
    expect(rendered.subject).to.equal(`Release Partner IT no longer manages your ${testConfig().brandName} account`);
    expect(rendered.text).to.include('From now on you renew it yourself.');

    // The partner's old links are a 404; the list no longer has it; Activity keeps the entry with its name.
    await agent.get(paths.partner.account(customer.accountId)).expect(404);
    await agent.get(paths.partner.releaseAccount(customer.accountId)).expect(404);
    await agent.get(paths.partner.installCarbonite(customer.accountId)).expect(404);
    const list = await agent.get(`${paths.partner.accounts}?q=Releasable`).expect(200);
    expect(list.text).not.to.include(paths.partner.account(customer.accountId));
    const activity = await agent.get(paths.partner.activity).expect(200);
    expect(activity.text).to.include(`Released account Releasable Ltd: it left the Partner Portal, the customer at ${customer.email} keeps it`);

    const portal = await signInCustomer(t.app, customer.email);
    const home = await portal.get(paths.portal.home).expect(200);
    expect(home.text).to.include('RELEASE-PC');
  });

  it('releases once for ten submits at the same time: one email, one Activity entry', async () => {
    const customer = await registeredCustomer(partner);
    const { csrf } = await getForm(agent, paths.partner.releaseAccount(customer.accountId));
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => agent.post(paths.partner.releaseAccount(customer.accountId)).type('form').send({ _csrf: csrf })),
    );
    for (const res of responses) expect(res.status).to.equal(303);
    expect(await db()('audit_events').where({ customer_account_id: customer.accountId, action: 'account.released' }).count('* as n').first()).to.deep.equal({ n: 1 });
    expect(await db()('outbox_emails').where({ customer_account_id: customer.accountId, template: 'account-released' }).count('* as n').first()).to.deep.equal({ n: 1 });
  });

  it('asks for the hand-over first when the partner administers the account, and releases nothing', async () => {
    const account = await purchaseFor(partner, { administrator: 'partner' });
    const page = await agent.get(paths.partner.releaseAccount(account.accountId)).expect(200);
    expect(page.text).to.include('hand over administration to the customer');
    expect(page.text).to.include(`href="${paths.partner.handOver(account.accountId)}"`);
    expect(page.text).not.to.include('Yes, release account');
    const csrf = csrfTokenFrom(page.text);
    const res = await agent.post(paths.partner.releaseAccount(account.accountId)).type('form').send({ _csrf: csrf }).expect(303);
    expect(res.headers.location).to.equal(paths.partner.releaseAccount(account.accountId));
    expect((await db()('customer_accounts').where({ id: account.accountId }).first('partner_id')).partner_id).to.equal(partner.partnerId);
  });

  it('waits for a customer who has not registered yet', async () => {
    const account = await purchaseFor(partner, { administrator: 'customer' });
    const page = await agent.get(paths.partner.releaseAccount(account.accountId)).expect(200);
    expect(page.text).to.include('has not completed registration yet');
    const res = await submitForm(agent, paths.partner.account(account.accountId), {}, paths.partner.releaseAccount(account.accountId));
    expect(res.status).to.equal(303);
    expect((await db()('customer_accounts').where({ id: account.accountId }).first('partner_id')).partner_id).not.to.equal(null);
  });

  it('is a 404 for another partner’s account, and a 403 for a User or a Read-only user', async () => {
    const other = await createTestPartner('Release Other IT');
    const theirs = await registeredCustomer(other);
    await agent.get(paths.partner.releaseAccount(theirs.accountId)).expect(404);
    const res = await submitForm(agent, paths.partner.accounts, {}, paths.partner.releaseAccount(theirs.accountId));
    expect(res.status).to.equal(404);
    expect((await db()('customer_accounts').where({ id: theirs.accountId }).first('partner_id')).partner_id).to.equal(other.partnerId);

    const mine = await registeredCustomer(partner);
    for (const role of ['staff', 'read_only'] as const) {
      const member = await addTeamMember(partner, role);
      const memberAgent = await signInPartner(t.app, member);
      await memberAgent.get(paths.partner.releaseAccount(mine.accountId)).expect(403);
      const dashboard = await memberAgent.get(paths.partner.account(mine.accountId)).expect(200);
      expect(dashboard.text).not.to.include(paths.partner.releaseAccount(mine.accountId));
      const denied = await submitForm(memberAgent, paths.partner.accounts, {}, paths.partner.releaseAccount(mine.accountId));
      expect(denied.status).to.equal(403);
    }
    expect((await db()('customer_accounts').where({ id: mine.accountId }).first('partner_id')).partner_id).to.equal(partner.partnerId);
  });
});
