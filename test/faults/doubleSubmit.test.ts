// Impatient people and flaky networks: the same form sent 20 times at once, over real HTTP
// to a listening app, makes one purchase and one customer, and no sender sees a 5xx.
import { expect } from 'chai';
import { paths } from '../../lib/paths.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, listen, type TestApp, type TestPartner } from '../support/app.ts';
import { purchaseFor } from '../support/fixtures.ts';
import { WebClient, type FormBody, type WebResponse } from './support/webClient.ts';
import { purchaseFields, registrationFields, registrationLinkOn, reviewPage, signInPartner } from './support/journeys.ts';

const TIMES = 20;
const db = () => testDatabase().db;

function statuses(answers: WebResponse[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
  return counts;
}

describe('fault: concurrent double submits', function () {
  this.timeout(120_000);
  let t: TestApp;
  let server: { url: string; close(): Promise<void> };
  let partner: TestPartner;

  before(async () => {
    t = buildTestApp();
    server = await listen(t.app);
    partner = await createTestPartner('Double Submit IT');
  });

  after(async () => {
    await server.close();
    await t.close();
  });

  it(`places one purchase when its review page is submitted ${TIMES} times at once`, async () => {
    const client = new WebClient(server.url);
    await signInPartner(client, partner);
    const fields = purchaseFields({ customerName: 'Twenty Clicks Ltd', administrator: 'customer' });
    const form = await reviewPage(client, fields);

    const answers = await Promise.all(Array.from({ length: TIMES }, () => client.post(paths.partner.completePurchase, form)));
    expect(statuses(answers), 'every submit is sent on to the account').to.deep.equal({ 303: TIMES });
    expect(new Set(answers.map((a) => a.location)).size, 'all to the same account').to.equal(1);

    const accounts = await db()('customer_accounts').where({ partner_id: partner.partnerId, email: fields.customerEmail }).select('id');
    expect(accounts).to.have.length(1);
    const accountId = accounts[0].id as number;
    expect(answers[0].location).to.equal(paths.partner.account(accountId));
    const count = async (table: string, where: Record<string, unknown>) => Number((await db()(table).where(where).count('* as n'))[0].n);
    expect(await count('subscriptions', { customer_account_id: accountId }), 'subscriptions').to.equal(1);
    expect(await count('audit_events', { customer_account_id: accountId, action: 'purchase.completed' }), 'audit events').to.equal(1);
    expect(await count('registration_invitations', { customer_account_id: accountId }), 'registration links').to.equal(1);
    expect(await count('outbox_emails', { customer_account_id: accountId }), 'registration emails').to.equal(1);

    // The page they all land on is the one account.
    const dashboard = await client.get(answers[0].location!);
    expect(dashboard.status).to.equal(200);
    expect(dashboard.text).to.include('Twenty Clicks Ltd');
  });

  // Opens the emailed link and fills in account information, ready to Submit.
  async function filledForm(client: WebClient, linkPath: string): Promise<{ action: string; body: FormBody }> {
    const opened = await client.get(linkPath);
    expect(opened.status, 'the link opens the wizard').to.equal(303);
    const { forms, csrf } = await client.page(opened.location!);
    const form = forms.find((f) => f.action === opened.location)!;
    return { action: form.action, body: { ...registrationFields(form), _csrf: csrf } };
  }

  async function expectOneCustomer(accountId: number, answers: WebResponse[]): Promise<void> {
    expect(answers.filter((a) => a.status >= 500), 'no 5xx').to.deep.equal([]);
    const completed = answers.filter((a) => a.status === 303 && a.location === paths.portal.home);
    expect(completed, 'exactly one submit completes the registration').to.have.length(1);
    for (const other of answers.filter((a) => a !== completed[0])) {
      expect(other.status, 'the others are told registration is already complete').to.equal(409);
      expect(other.text).to.include('Registration is already complete');
    }
    const users = await db()('customer_users').where({ customer_account_id: accountId }).select('id');
    expect(users).to.have.length(1);
    const audits = await db()('audit_events').where({ customer_account_id: accountId, action: 'registration.completed' }).count('* as n');
    expect(Number(audits[0].n)).to.equal(1);
  }

  it(`makes one customer when one registration link is completed ${TIMES} times at once in one browser`, async () => {
    const account = await purchaseFor(partner);
    const client = new WebClient(server.url);
    const form = await filledForm(client, await registrationLinkOn(db(), account.accountId));
    const answers = await Promise.all(Array.from({ length: TIMES }, () => client.post(form.action, form.body)));
    await expectOneCustomer(account.accountId, answers);
  });

  it(`makes one customer when one registration link is completed ${TIMES} times at once from different browsers`, async () => {
    const account = await purchaseFor(partner);
    const link = await registrationLinkOn(db(), account.accountId);
    const clients = Array.from({ length: TIMES }, () => new WebClient(server.url));
    const forms = await Promise.all(clients.map((client) => filledForm(client, link)));
    const answers = await Promise.all(forms.map((form, i) => clients[i].post(form.action, form.body)));
    await expectOneCustomer(account.accountId, answers);
  });
});
