// Issue 14 item 2: no live secret at rest. Once an email is sent, nothing in the database
// can complete the registration it carried: its token lives only in the customer's mailbox,
// and the key code only in its subscription.
import { expect } from 'chai';
import supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { createLogger } from '../../lib/boot/logger.ts';
import { createMailer } from '../../lib/mail/transport.ts';
import { createDeliveryWorker } from '../../lib/mail/deliveryWorker.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, csrfTokenFrom, signInPartner, submitForm, testConfig, uniqueEmail, type TestApp, type TestPartner } from '../support/app.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtpServer.ts';
import { eventually } from '../support/eventually.ts';

const db = () => testDatabase().db;

// Every text and JSON column of every table of the app's schema that holds `needle`, as
// "table.column".
async function columnsHolding(needle: string): Promise<string[]> {
  const columns: { table_name: string; column_name: string }[] = await db()('information_schema.columns')
    .where({ table_schema: 'public' })
    .whereIn('data_type', ['text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY'])
    .orderBy(['table_name', 'column_name'])
    .select('table_name', 'column_name');
  expect(columns.length, 'text columns found').to.be.greaterThan(20);
  const found: string[] = [];
  for (const { table_name: table, column_name: column } of columns) {
    const { rows } = await db().raw('SELECT 1 FROM ?? WHERE strpos(??::text, ?) > 0 LIMIT 1', [table, column, needle]);
    if (rows.length > 0) found.push(`${table}.${column}`);
  }
  return found;
}

describe('no live secret at rest (a registration email sent through a real SMTP server)', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let partner: TestPartner;
  let agent: supertest.Agent;
  let accountId: number;
  let customerEmail: string;
  let token: string;
  let keyCode: string;

  before(async () => {
    smtp = await startSmtpServer();
    t = buildTestApp();
    partner = await createTestPartner('Secrets At Rest IT');
    agent = await signInPartner(t.app, partner);

    // A customer-managed purchase, through the forms, with real CSRF tokens.
    customerEmail = uniqueEmail('atrest');
    const draft = await submitForm(agent, paths.partner.newPurchase, {
      customerName: 'Rest Assured Ltd',
      customerEmail,
      product: 'safe',
      plan: 'safe-basic',
      computers: '1',
      term: '1',
      administrator: 'customer',
    });
    expect(draft.status).to.equal(303);
    const review = await agent.get(paths.partner.reviewPurchase).expect(200);
    const purchaseKey = /name="purchaseKey" value="([^"]+)"/.exec(review.text)![1];
    const done = await agent.post(paths.partner.completePurchase).type('form').send({ purchaseKey, _csrf: csrfTokenFrom(review.text) }).expect(303);
    accountId = Number(/\/(\d+)$/.exec(done.headers.location)![1]);

    const config = testConfig({ SMTP_URL: smtp.url });
    const worker = createDeliveryWorker({ db: db(), mailer: createMailer(config), config, logger: createLogger('silent') });
    try {
      await eventually(async () => {
        await worker.runOnce();
        return smtp.deliveredTo(customerEmail).length > 0;
      }, 15_000, 'the registration email');
    } finally {
      await worker.stop();
    }
    const text = String(smtp.deliveredTo(customerEmail)[0].parsed.text);
    token = /\/register\/([\w-]{40,})/.exec(text)![1];
    keyCode = /\b([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})\b/.exec(text)![1];
  });

  after(async () => {
    await t.close();
    await smtp.close();
  });

  it('emailed a working registration link and the subscription’s key code', async () => {
    const subscription = await db()('subscriptions').where({ customer_account_id: accountId }).first('key_code');
    expect(keyCode).to.equal(subscription.key_code);
    expect(token).to.have.length.greaterThan(40);
  });

  it('keeps the emailed token in no text or JSON column of any table', async () => {
    expect(await columnsHolding(token)).to.deep.equal([]);
  });

  it('keeps the key code only in the subscription’s own key code column (not in the outbox, not in the audit trail)', async () => {
    expect(await columnsHolding(keyCode)).to.deep.equal(['subscriptions.key_code']);
  });

  it('keeps on the sent row what the partner’s pages need, and nothing the email said', async () => {
    const row = await db()('outbox_emails').where({ customer_account_id: accountId }).first();
    expect(row).to.include({ status: 'sent', template: 'registration-invitation', recipient: customerEmail, partner_id: partner.partnerId, subject: null, html: null, text: null });
    expect(row.data).to.deep.equal({});
    expect(row.smtp_message_id).to.match(/^<outbox-\d+\./);
    expect(row.sent_at).to.be.instanceOf(Date);
  });

  it('still shows the account’s dashboard the registration email as sent', async () => {
    const res = await agent.get(paths.partner.account(accountId)).expect(200);
    expect(res.text).to.match(/Sent on \d{1,2} \w+ \d{4} at \d{2}:\d{2} UTC/);
  });

  it('still lists refused mail on Undelivered mail once its content is dropped', async () => {
    const address = uniqueEmail('refused');
    smtp.rejected.add(address);
    const draft = await submitForm(agent, paths.partner.newPurchase, {
      customerName: 'Bounced Rest Ltd',
      customerEmail: address,
      product: 'safe',
      plan: 'safe-basic',
      computers: '1',
      term: '1',
      administrator: 'customer',
    });
    expect(draft.status).to.equal(303);
    const review = await agent.get(paths.partner.reviewPurchase).expect(200);
    const purchaseKey = /name="purchaseKey" value="([^"]+)"/.exec(review.text)![1];
    await agent.post(paths.partner.completePurchase).type('form').send({ purchaseKey, _csrf: csrfTokenFrom(review.text) }).expect(303);
    const config = testConfig({ SMTP_URL: smtp.url });
    const worker = createDeliveryWorker({ db: db(), mailer: createMailer(config), config, logger: createLogger('silent') });
    try {
      await eventually(async () => {
        await worker.runOnce();
        return (await db()('outbox_emails').where({ recipient: address }).first('status')).status === 'failed';
      }, 15_000, 'the refusal');
    } finally {
      await worker.stop();
    }
    const row = await db()('outbox_emails').where({ recipient: address }).first();
    expect(row).to.include({ subject: null, html: null, text: null });
    expect(row.data).to.deep.equal({});
    const page = await agent.get(paths.partner.undeliveredMail).expect(200);
    expect(page.text).to.include(address);
    expect(page.text).to.include('550');
  });
});
