// Two app processes on one database, as behind a load balancer: a partner and a customer
// move through their journeys with each request going to the other instance, the same
// cookies working on both; both run the email worker, and every email goes out once.
// Then SIGTERM stops each one cleanly.
import crypto from 'node:crypto';
import { expect } from 'chai';
import { paths } from '../../lib/paths.ts';
import { placePurchase } from '../../models/purchases.ts';
import { testDatabase } from '../support/hooks.ts';
import { createTestPartner, testConfig, uniqueEmail, type TestPartner } from '../support/app.ts';
import { partnerSessionUser } from '../support/fixtures.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtpServer.ts';
import { eventually } from '../support/eventually.ts';
import { startServer, type ServerProcess } from './support/serverProcess.ts';
import { WebClient, type WebResponse } from './support/webClient.ts';
import { purchaseFields, registrationFields, registrationLinkOn } from './support/journeys.ts';
import { parseForms, defaultValues, textOf } from './support/html.ts';

const db = () => testDatabase().db;

describe('fault: two instances on one database', function () {
  this.timeout(120_000);
  let smtp: TestSmtpServer;
  let instances: ServerProcess[] = [];
  let partner: TestPartner;
  let startedAt: Date;

  before(async () => {
    startedAt = new Date(Date.now() - 1000);
    smtp = await startSmtpServer();
    partner = await createTestPartner('Two Instances IT');
    const env = { DATABASE_URL: testDatabase().url, SMTP_URL: smtp.url };
    instances = await Promise.all([startServer(env), startServer(env)]);
  });

  after(async () => {
    for (const instance of instances) await instance.stop().catch(() => undefined);
    await smtp?.close();
  });

  // Each call hands the journey's next request to the other instance.
  function alternating(jar: WebClient) {
    const at = instances.map((i) => jar.at(i.url));
    let turn = 0;
    return () => at[turn++ % at.length];
  }

  async function formOn(client: WebClient, page: string, action?: string) {
    const res = await client.get(page);
    expect(res.status, `GET ${page} on ${client.base}`).to.equal(200);
    const form = parseForms(res.text, page).find((f) => f.method === 'post' && (action ? f.action === action : !f.action.endsWith('/sign-out')));
    expect(form, `a form on ${page}`).to.not.equal(undefined);
    return { res, form: form!, values: defaultValues(form!) };
  }

  function expectRedirect(res: WebResponse, to: RegExp, what: string) {
    expect(res.status, what).to.equal(303);
    expect(res.location, what).to.match(to);
  }

  let accountId: number;

  it('takes a partner through sign-in, a purchase, its dashboard and a resend, each request on the other instance', async () => {
    const next = alternating(new WebClient(instances[0].url));
    const signIn = await formOn(next(), paths.partner.signIn);
    expectRedirect(await next().post(signIn.form.action, { ...signIn.values, email: partner.email, password: partner.password }), new RegExp(`^${paths.partner.overview}$`), 'sign-in');
    expect((await next().get(paths.partner.overview)).status).to.equal(200);
    expect((await next().get(paths.partner.accounts)).status).to.equal(200);

    const fields = purchaseFields({ customerName: 'Two Instances Customer', administrator: 'customer' });
    const purchase = await formOn(next(), paths.partner.newPurchase);
    expectRedirect(await next().post(purchase.form.action, { ...purchase.values, ...fields }), /^\/partner\/purchases\/review$/, 'new purchase');
    const review = await formOn(next(), paths.partner.reviewPurchase, paths.partner.completePurchase);
    const complete = await next().post(review.form.action, review.values);
    expectRedirect(complete, /^\/partner\/accounts\/\d+$/, 'complete purchase');
    accountId = Number(/(\d+)$/.exec(complete.location!)![1]);

    // The flash set by one instance is shown by the other: the session lives in the database.
    const dashboard = await formOn(next(), complete.location!, paths.partner.resendRegistration(accountId));
    expect(textOf(dashboard.res.text)).to.include('Purchase complete');
    expectRedirect(await next().post(dashboard.form.action, dashboard.values), new RegExp(`^${paths.partner.account(accountId)}$`), 'resend');
    expect(textOf((await next().get(paths.partner.account(accountId))).text)).to.include('A new registration email is on its way');
    expect((await next().get(paths.partner.activity)).status).to.equal(200);

    const accounts = await db()('customer_accounts').where({ partner_id: partner.partnerId, email: fields.customerEmail }).select('id');
    expect(accounts).to.have.length(1);
  });

  it('takes the customer through registration from the emailed link to the Portal, each request on the other instance', async () => {
    const next = alternating(new WebClient(instances[1].url));
    const opened = await next().get(await registrationLinkOn(db(), accountId));
    expectRedirect(opened, /^\/register\/[^/]+\/account$/, 'the registration link');
    const step = await formOn(next(), opened.location!);
    const done = await next().post(step.form.action, { ...step.values, ...registrationFields(step.form) });
    expectRedirect(done, new RegExp(`^${paths.portal.home}$`), 'complete registration');
    const portal = await next().get(paths.portal.home);
    expect(portal.status).to.equal(200);
    expect(textOf(portal.text)).to.include('Congratulations, your Carbonite account is complete.');
    expect((await next().get(paths.portal.settings)).status).to.equal(200);
    const signOut = await formOn(next(), paths.portal.settings, paths.portal.signOut);
    expectRedirect(await next().post(signOut.form.action, signOut.values), /^\/portal\/sign-in/, 'sign out');
    expect((await next().get(paths.portal.home)).status, 'signed out on both').to.equal(303);
  });

  it('delivers each email of the outbox exactly once though both instances run a worker', async () => {
    // A batch for the two workers to compete over.
    const config = testConfig();
    for (let i = 0; i < 12; i += 1) {
      await placePurchase(db(), partnerSessionUser(partner), {
        purchaseKey: crypto.randomUUID(), customerName: `Batch Customer ${i}`, customerEmail: uniqueEmail('batch'),
        productId: 'safe', planId: 'safe-basic', computers: 1, termYears: 1, administrator: 'customer',
      }, { config });
    }
    const ours = () => db()('outbox_emails').where({ partner_id: partner.partnerId }).select('id', 'status', 'smtp_message_id', 'recipient');
    const sent = await eventually(async () => {
      const rows = await ours();
      return rows.length >= 14 && rows.every((r) => r.status === 'sent') ? rows : undefined;
    }, 30_000, 'every email of this partner sent');
    // Two more polling rounds of both workers: a second copy would arrive now.
    await new Promise((resolve) => setTimeout(resolve, 2500));

    const received = new Map<string, number>();
    for (const message of smtp.received) received.set(message.parsed.messageId ?? '', (received.get(message.parsed.messageId ?? '') ?? 0) + 1);
    for (const row of sent) {
      expect(row.smtp_message_id, `email ${row.id} has its Message-ID`).to.match(new RegExp(`^<outbox-${row.id}\\.`));
      expect(received.get(row.smtp_message_id), `email ${row.id} to ${row.recipient} received`).to.equal(1);
    }
    // Every email either worker sent during the test, ours or left over from other tests.
    const all = await db()('outbox_emails').where('sent_at', '>=', startedAt).whereNotNull('smtp_message_id').pluck('smtp_message_id');
    expect([...received].filter(([, n]) => n > 1), 'no message received twice').to.deep.equal([]);
    for (const id of all) expect(received.get(id), `${id} received once`).to.equal(1);
    const claims = await db()('outbox_emails').where({ partner_id: partner.partnerId }).whereNotNull('claimed_by').count('* as n');
    expect(Number(claims[0].n), 'no claim left behind').to.equal(0);
  });

  it('stops each instance gracefully on SIGTERM, with exit code 0', async () => {
    const codes = await Promise.all(instances.map((i) => i.stop()));
    expect(codes).to.deep.equal([0, 0]);
    instances = [];
  });
});
