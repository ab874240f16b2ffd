import { expect } from 'chai';
import type supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, getForm, signInPartner, submitForm, type TestApp, type TestPartner } from '../support/app.ts';
import { purchaseFor } from '../support/fixtures.ts';
import { registeredCustomer, signInCustomer } from '../support/customers.ts';
import { addTeamMember } from '../support/team.ts';

const db = () => testDatabase().db;
const administratorOf = async (accountId: number) => (await db()('customer_accounts').where({ id: accountId }).first('administrator')).administrator;

describe('Administration both ways: the partner asks to become the account administrator, the customer answers in their Portal', () => {
  let t: TestApp;
  let partner: TestPartner;
  let agent: supertest.Agent;

  before(async () => {
    t = buildTestApp();
    partner = await createTestPartner('Administering IT');
    agent = await signInPartner(t.app, partner);
  });
  after(() => t.close());

  async function askFromDashboard(accountId: number) {
    return submitForm(agent, paths.partner.account(accountId), {}, paths.partner.requestAdministration(accountId));
  }

  it('asks once, shows the request on the Dashboard, and the customer’s Accept makes the partner administrator, in Activity both ways', async () => {
    const customer = await registeredCustomer(partner, { customerName: 'Osprey Optics' });
    const res = await askFromDashboard(customer.accountId);
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal(paths.partner.account(customer.accountId));
    const dashboard = await agent.get(paths.partner.account(customer.accountId)).expect(200);
    expect(dashboard.text).to.include('We have asked the customer to make you the account administrator.');
    expect(dashboard.text).to.include('Waiting for the customer');
    expect(dashboard.text).not.to.include('Ask to become the account administrator</button>');
    await askFromDashboard(customer.accountId);
    expect(await db()('partner_requests').where({ customer_account_id: customer.accountId })).to.have.length(1);
    const email = await db()('outbox_emails').where({ customer_account_id: customer.accountId, template: 'administration-request' });
    expect(email).to.have.length(1);
    expect(email[0].recipient).to.equal(customer.email);

    const portal = await signInCustomer(t.app, customer.email);
    const home = await getForm(portal, paths.portal.home);
    expect(home.html).to.include('Administering IT asks to become your account administrator');
    const [request] = await db()('partner_requests').where({ customer_account_id: customer.accountId });
    await portal.post(paths.portal.acceptPartnerRequest(request.id)).type('form').send({ _csrf: home.csrf }).expect(303);
    expect((await portal.get(paths.portal.home).expect(200)).text).to.include('You accepted: Administering IT is now the administrator of your account.');
    expect(await administratorOf(customer.accountId)).to.equal('partner');

    const after = await agent.get(paths.partner.account(customer.accountId)).expect(200);
    expect(after.text).to.include('Partner (you)');
    const activity = await agent.get(`${paths.partner.activity}?account=${customer.accountId}`).expect(200);
    expect(activity.text).to.include(`Asked the customer at ${customer.email} to make the partner the account administrator`);
    expect(activity.text).to.include(`The customer at ${customer.email} accepted: the partner is now the account administrator`);
    const told = await db()('outbox_emails').where({ template: 'partner-request-answered', customer_account_id: customer.accountId }).first('data');
    expect(told.data).to.include({ answer: 'accepted' });
  });

  it('keeps the customer administrator when they decline, and tells the partner', async () => {
    const customer = await registeredCustomer(partner);
    await askFromDashboard(customer.accountId);
    const [request] = await db()('partner_requests').where({ customer_account_id: customer.accountId });
    const portal = await signInCustomer(t.app, customer.email);
    const { csrf } = await getForm(portal, paths.portal.home);
    await portal.post(paths.portal.declinePartnerRequest(request.id)).type('form').send({ _csrf: csrf }).expect(303);
    expect(await administratorOf(customer.accountId)).to.equal('customer');
    const activity = await agent.get(`${paths.partner.activity}?account=${customer.accountId}`).expect(200);
    expect(activity.text).to.include('declined the request to make the partner the account administrator');
    expect((await agent.get(paths.partner.account(customer.accountId)).expect(200)).text).to.include('Ask to become the account administrator');
  });

  it('asks nothing of a customer still to register or of an account the partner administers; another partner’s account is a 404; Read-only is refused', async () => {
    const pending = await purchaseFor(partner);
    const res = await askFromDashboard(pending.accountId);
    expect(res.status).to.equal(303);
    const administered = await purchaseFor(partner, { administrator: 'partner' });
    await askFromDashboard(administered.accountId);
    expect(await db()('partner_requests').whereIn('customer_account_id', [pending.accountId, administered.accountId])).to.have.length(0);

    const other = await createTestPartner('Administering Other IT');
    const theirs = await registeredCustomer(other);
    const refused = await submitForm(agent, paths.partner.accounts, {}, paths.partner.requestAdministration(theirs.accountId));
    expect(refused.status).to.equal(404);
    expect(await db()('partner_requests').where({ customer_account_id: theirs.accountId })).to.have.length(0);

    const mine = await registeredCustomer(partner);
    const readOnly = await addTeamMember(partner, 'read_only');
    const readOnlyAgent = await signInPartner(t.app, readOnly);
    const denied = await submitForm(readOnlyAgent, paths.partner.accounts, {}, paths.partner.requestAdministration(mine.accountId));
    expect(denied.status).to.equal(403);
    expect(await db()('partner_requests').where({ customer_account_id: mine.accountId })).to.have.length(0);
  });
});
