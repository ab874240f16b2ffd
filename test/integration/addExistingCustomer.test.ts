import { expect } from 'chai';
import type supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { renderEmail } from '../../lib/mail/templates.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, csrfTokenFrom, getForm, signInPartner, submitForm, testConfig, uniqueEmail, type TestApp, type TestPartner } from '../support/app.ts';
import { registeredCustomer, signInCustomer } from '../support/customers.ts';
import { directCustomer } from '../support/directCustomers.ts';
import { addTeamMember } from '../support/team.ts';

const db = () => testDatabase().db;
const ASKED = 'If that customer has an account, we have asked them';

async function ask(agent: supertest.Agent, email: string) {
  return submitForm(agent, paths.partner.addExistingCustomer, { email });
}

const requestsOf = (accountId: number) => db()('partner_requests').where({ customer_account_id: accountId }).orderBy('id');

describe('Add an existing customer (a direct customer accepts a partner’s request in their Portal)', () => {
  let t: TestApp;
  let partner: TestPartner;
  let agent: supertest.Agent;

  before(async () => {
    t = buildTestApp();
    partner = await createTestPartner('Adding Partner IT');
    agent = await signInPartner(t.app, partner);
  });
  after(() => t.close());

  it('asks a direct customer, who sees the request at the top of their Portal and accepts: the account joins the partner, administered by the customer, and the requester is emailed', async () => {
    const direct = await directCustomer({ name: 'Wren Studio' });
    const res = await ask(agent, `  ${direct.email.toUpperCase()} `);
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal(paths.partner.addExistingCustomer);
    expect((await agent.get(paths.partner.addExistingCustomer).expect(200)).text).to.include(ASKED);

    const [request] = await requestsOf(direct.accountId);
    expect(request).to.include({ kind: 'manage', status: 'pending' });
    expect(Number(request.partner_id)).to.equal(partner.partnerId);
    const days = (new Date(request.expires_at).getTime() - new Date(request.created_at).getTime()) / 86_400_000;
    expect(days).to.be.closeTo(14, 0.001);
    const invite = await db()('outbox_emails').where({ customer_account_id: direct.accountId, template: 'partner-request' }).first();
    expect(invite.recipient).to.equal(direct.email);
    expect(invite.partner_id, 'not the partner’s mail before Accept').to.equal(null);
    const rendered = await renderEmail('partner-request', invite.data, testConfig());
    expect(rendered.subject).to.equal('Adding Partner IT asks to manage your account');

    // Before Accept the partner sees nothing of it.
    await agent.get(paths.partner.account(direct.accountId)).expect(404);
    expect((await agent.get(`${paths.partner.accounts}?q=Wren`).expect(200)).text).not.to.include(paths.partner.account(direct.accountId));

    const customer = await signInCustomer(t.app, direct.email, direct.password);
    const home = await customer.get(paths.portal.home).expect(200);
    expect(home.text).to.include('Adding Partner IT asks to manage your account');
    expect(home.text).to.include(`action="${paths.portal.acceptPartnerRequest(request.id)}"`);
    expect(home.text).to.include(`action="${paths.portal.declinePartnerRequest(request.id)}"`);
    const accepted = await customer.post(paths.portal.acceptPartnerRequest(request.id)).type('form').send({ _csrf: csrfTokenFrom(home.text) });
    expect(accepted.status).to.equal(303);
    expect(accepted.headers.location).to.equal(paths.portal.home);
    const after = await customer.get(paths.portal.home).expect(200);
    expect(after.text).to.include('You accepted: Adding Partner IT now sees your account in their Partner Portal.');
    expect(after.text).not.to.include('asks to manage your account');

    const account = await db()('customer_accounts').where({ id: direct.accountId }).first();
    expect(Number(account.partner_id)).to.equal(partner.partnerId);
    expect(account.administrator).to.equal('customer');
    expect(Number((await db()('subscriptions').where({ customer_account_id: direct.accountId }).first('partner_id')).partner_id)).to.equal(partner.partnerId);
    const list = await agent.get(`${paths.partner.accounts}?q=Wren`).expect(200);
    expect(list.text).to.include(paths.partner.account(direct.accountId));
    await agent.get(paths.partner.account(direct.accountId)).expect(200);

    const confirmation = await db()('outbox_emails').where({ template: 'partner-request-answered', recipient: partner.email }).orderBy('id', 'desc').first();
    expect(confirmation.data).to.include({ answer: 'accepted', customerEmail: direct.email, accountName: 'Wren Studio' });
    const activity = await agent.get(paths.partner.activity).expect(200);
    expect(activity.text).to.include(`The customer at ${direct.email} accepted: the account joined the Partner Portal`);

    // A second Accept (another tab) changes nothing.
    const again = await customer.post(paths.portal.acceptPartnerRequest(request.id)).type('form').send({ _csrf: csrfTokenFrom(home.text) });
    expect(again.status).to.equal(303);
    expect(await db()('outbox_emails').where({ template: 'partner-request-answered', recipient: partner.email }).count('* as n').first()).to.deep.equal({ n: 1 });
  });

  it('answers the same for a direct customer, another partner’s customer and an unknown email, and asks only the direct customer', async () => {
    const direct = await directCustomer();
    const other = await createTestPartner('Adding Other IT');
    const theirs = await registeredCustomer(other);
    const answers = [];
    for (const email of [direct.email, theirs.email, uniqueEmail('nobody')]) {
      const res = await ask(agent, email);
      const page = await agent.get(res.headers.location).expect(200);
      answers.push([res.status, res.headers.location, page.text.replace(/name="_csrf" value="[^"]+"/g, '')]);
    }
    expect(answers[1]).to.deep.equal(answers[0]);
    expect(answers[2]).to.deep.equal(answers[0]);
    expect(await requestsOf(direct.accountId)).to.have.length(1);
    expect(await requestsOf(theirs.accountId)).to.have.length(0);
    expect(await db()('outbox_emails').where({ customer_account_id: theirs.accountId, template: 'partner-request' })).to.have.length(0);
  });

  it('keeps one pending request per account; after 14 days it expires and another may be made', async () => {
    const direct = await directCustomer();
    const second = await createTestPartner('Adding Second IT');
    const secondAgent = await signInPartner(t.app, second);
    await ask(agent, direct.email);
    const res = await ask(secondAgent, direct.email);
    expect(res.status).to.equal(303);
    expect(await requestsOf(direct.accountId)).to.have.length(1);
    expect(await db()('outbox_emails').where({ customer_account_id: direct.accountId, template: 'partner-request' })).to.have.length(1);

    const [first] = await requestsOf(direct.accountId);
    await db()('partner_requests').where({ id: first.id }).update({ created_at: db().raw("now() - interval '15 days'"), expires_at: db().raw("now() - interval '1 day'") });
    const customer = await signInCustomer(t.app, direct.email, direct.password);
    const home = await customer.get(paths.portal.home).expect(200);
    expect(home.text).not.to.include('asks to manage your account');
    await customer.post(paths.portal.acceptPartnerRequest(first.id)).type('form').send({ _csrf: csrfTokenFrom(home.text) }).expect(303);
    expect((await db()('customer_accounts').where({ id: direct.accountId }).first('partner_id')).partner_id).to.equal(null);

    await ask(secondAgent, direct.email);
    const requests = await requestsOf(direct.accountId);
    expect(requests.map((r) => r.status)).to.deep.equal(['expired', 'pending']);
    expect(Number(requests[1].partner_id)).to.equal(second.partnerId);
  });

  it('tells the partner when the customer declines: an email to the requester and an Activity entry; the account stays nobody’s', async () => {
    const direct = await directCustomer();
    await ask(agent, direct.email);
    const [request] = await requestsOf(direct.accountId);
    const customer = await signInCustomer(t.app, direct.email, direct.password);
    const { csrf } = await getForm(customer, paths.portal.home);
    await customer.post(paths.portal.declinePartnerRequest(request.id)).type('form').send({ _csrf: csrf }).expect(303);
    expect((await customer.get(paths.portal.home).expect(200)).text).to.include('You declined Adding Partner IT’s request.');
    expect((await db()('customer_accounts').where({ id: direct.accountId }).first('partner_id')).partner_id).to.equal(null);
    const told = await db()('outbox_emails').where({ template: 'partner-request-answered', recipient: partner.email }).orderBy('id', 'desc').first();
    expect(told.data).to.include({ answer: 'declined', customerEmail: direct.email });
    expect(told.customer_account_id, 'the declined account is named nowhere').to.equal(null);
    expect((await agent.get(paths.partner.activity).expect(200)).text).to.include(`The customer at ${direct.email} declined the request to manage their account`);
  });

  it('accepts once for five answers at the same time, and another customer’s request is a 404', async () => {
    const direct = await directCustomer();
    const stranger = await directCustomer();
    await ask(agent, direct.email);
    const [request] = await requestsOf(direct.accountId);

    const strangerAgent = await signInCustomer(t.app, stranger.email, stranger.password);
    const { csrf: strangerCsrf } = await getForm(strangerAgent, paths.portal.home);
    await strangerAgent.post(paths.portal.acceptPartnerRequest(request.id)).type('form').send({ _csrf: strangerCsrf }).expect(404);
    expect((await requestsOf(direct.accountId))[0].status).to.equal('pending');

    const customer = await signInCustomer(t.app, direct.email, direct.password);
    const { csrf } = await getForm(customer, paths.portal.home);
    const answers = await Promise.all(Array.from({ length: 5 }, () => customer.post(paths.portal.acceptPartnerRequest(request.id)).type('form').send({ _csrf: csrf })));
    for (const res of answers) expect(res.status).to.equal(303);
    expect(await db()('audit_events').where({ customer_account_id: direct.accountId, action: 'customer_request.accepted' })).to.have.length(1);
    expect(await db()('outbox_emails').where({ idempotency_key: `partner-request-answered:${request.id}` })).to.have.length(1);
  });

  it('checks the email on the page, limits requests per partner, and is for owners and administrators', async () => {
    const empty = await ask(agent, '');
    expect(empty.status).to.equal(422);
    expect(empty.text).to.include('Enter the customer’s email address');
    const wrong = await ask(agent, 'not-an-email');
    expect(wrong.status).to.equal(422);
    expect(wrong.text).to.include('value="not-an-email"');

    const busy = await createTestPartner('Adding Busy IT');
    const busyAgent = await signInPartner(t.app, busy);
    for (let i = 0; i < 20; i += 1) expect((await ask(busyAgent, uniqueEmail('many'))).status).to.equal(303);
    const limited = await ask(busyAgent, uniqueEmail('many'));
    expect(limited.status).to.equal(429);
    expect(limited.text).to.include('You have asked many customers in the last hour.');

    const staff = await addTeamMember(partner, 'staff');
    const staffAgent = await signInPartner(t.app, staff);
    await staffAgent.get(paths.partner.addExistingCustomer).expect(403);
    expect((await staffAgent.get(paths.partner.accounts).expect(200)).text).not.to.include(paths.partner.addExistingCustomer);
  });
});
