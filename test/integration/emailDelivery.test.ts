import crypto from 'node:crypto';
import { expect } from 'chai';
import { testDatabase } from '../support/hooks.ts';
import { createTestPartner, testConfig, type TestPartner } from '../support/app.ts';
import { purchaseFor } from '../support/fixtures.ts';
import { createLogger } from '../../lib/boot/logger.ts';
import { createMailer } from '../../lib/mail/transport.ts';
import { createDeliveryWorker, type DeliveryWorker, type DeliveryWorkerOptions } from '../../lib/mail/deliveryWorker.ts';
import { enqueueEmail } from '../../models/outbox.ts';
import { issueInvitation } from '../../models/registrationInvitations.ts';
import { emailStateForAccount, emailStateText } from '../../models/emails.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtpServer.ts';
import { eventually } from '../support/eventually.ts';

const db = () => testDatabase().db;
const logger = createLogger('silent');

// Fast timings so retries happen in milliseconds; the probe is off unless a test wants it.
const FAST: Partial<DeliveryWorkerOptions> = {
  pollIntervalMs: 20,
  backoffBaseMs: 40,
  backoffCapMs: 160,
  probeIntervalMs: 24 * 3600_000,
  stopGraceMs: 2000,
};

let domainCounter = 0;
function uniqueDomain(): string {
  domainCounter += 1;
  return `@mail-${Date.now().toString(36)}-${domainCounter}.test`;
}

async function queue(to: string, extra: Partial<Parameters<typeof enqueueEmail>[1]> = {}): Promise<number> {
  const key = `test:${crypto.randomUUID()}`;
  await enqueueEmail(db(), {
    to,
    template: 'password-reset',
    data: { name: 'Robin Reader', resetUrl: `http://localhost:3999/portal/reset-password/${key}`, expiresAt: new Date(Date.now() + 3600_000).toISOString() },
    idempotencyKey: key,
    ...extra,
  });
  const row = await db()('outbox_emails').where({ idempotency_key: extra.idempotencyKey ?? key }).first('id');
  return row.id;
}

async function rowsTo(addresses: string[]) {
  return db()('outbox_emails').whereIn('recipient', addresses).select('*');
}

describe('email delivery worker against a real SMTP server', () => {
  let smtp: TestSmtpServer;
  let workers: DeliveryWorker[] = [];

  // smtpUrl null: no SMTP_URL, the developer mailbox.
  function worker(options: Partial<DeliveryWorkerOptions> = {}, smtpUrl: string | null = smtp.url): DeliveryWorker {
    const config = testConfig(smtpUrl ? { SMTP_URL: smtpUrl } : {});
    const created = createDeliveryWorker({ db: db(), mailer: createMailer(config), config, logger }, { ...FAST, ...options });
    workers.push(created);
    return created;
  }

  beforeEach(async () => {
    smtp = await startSmtpServer();
  });

  afterEach(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    workers = [];
    await smtp.close();
  });

  it('delivers the registration email of a purchase with an HTML and a plain-text part carrying the same links and the key code', async () => {
    const partner = await createTestPartner('Mail Delivery IT');
    const account = await purchaseFor(partner, { customerName: 'Ada & Sons <Ltd>' });
    const row = await db()('outbox_emails').where({ customer_account_id: account.accountId }).first();
    expect(row.status).to.equal('pending');

    worker().start();
    const [message] = await eventually(() => smtp.deliveredTo(account.email).length > 0 && smtp.deliveredTo(account.email), 15_000, 'the email');
    const { parsed } = message;
    const registrationUrl: string = row.data.registrationUrl;
    expect(parsed.subject).to.equal('Complete your Carbonite account registration');
    expect(parsed.from?.value[0]).to.deep.include({ name: 'Carbonite', address: 'no-reply@localhost' });

    const html = String(parsed.html);
    expect(html).to.include(`href="${registrationUrl}"`);
    expect(html).to.match(/>Complete registration<\/a>/);
    expect(html).to.include(account.keyCode);
    expect(html).to.include('href="https://downloads.carbonite.example/windows/CarboniteSetup.exe"');
    expect(html).to.include('href="https://downloads.carbonite.example/mac/Carbonite.dmg"');
    expect(html).to.include('Ada &amp; Sons &lt;Ltd&gt;');
    expect(html).not.to.match(/<img|<table|<script/i);

    const text = String(parsed.text);
    expect(text).to.include(`Complete registration:\n${registrationUrl}`);
    expect(text).to.include(account.keyCode);
    expect(text).to.include('https://downloads.carbonite.example/windows/CarboniteSetup.exe');
    expect(text).to.include('https://downloads.carbonite.example/mac/Carbonite.dmg');
    expect(text).to.include('Hello Ada & Sons <Ltd>,');

    const sent = await eventually(async () => {
      const r = await db()('outbox_emails').where({ id: row.id }).first();
      return r.status === 'sent' && r;
    });
    expect(sent.smtp_message_id).to.equal(parsed.messageId);
    expect(sent.sent_at).to.be.instanceOf(Date);
    expect(sent.claimed_by).to.equal(null);
    // Sent: the row keeps nothing of what the email said (its link, its key code).
    expect(sent).to.include({ subject: null, html: null, text: null });
    expect(sent.data).to.deep.equal({});

    const state = await emailStateForAccount(db(), partner.partnerId, account.accountId);
    expect(state?.registration?.state).to.equal('sent');
    expect(emailStateText(state!.registration!)).to.match(/^Sent on \d{1,2} \w+ \d{4} at \d{2}:\d{2} UTC$/);
  });

  it('lets purchases succeed while the server answers 451, loses none of their emails, and delivers each exactly once after it recovers', async () => {
    const domain = uniqueDomain();
    const addresses = [1, 2, 3, 4, 5].map((n) => `customer${n}${domain}`);
    smtp.tempFailFor = domain;
    worker().start();

    const partner = await createTestPartner('Busy Server IT');
    for (const address of addresses) await purchaseFor(partner, { customerEmail: address });
    await eventually(async () => (await rowsTo(addresses)).every((r) => r.attempts >= 2), 15_000, 'retries');
    const waiting = await rowsTo(addresses);
    expect(waiting.map((r) => r.status)).to.deep.equal(['pending', 'pending', 'pending', 'pending', 'pending']);
    expect(waiting[0].last_error).to.match(/^451 /);
    expect(waiting.every((r) => r.next_attempt_at instanceof Date)).to.equal(true);
    expect(smtp.received.filter((m) => m.recipients.some((r) => r.endsWith(domain)))).to.have.length(0);

    smtp.tempFailFor = undefined;
    await eventually(async () => (await rowsTo(addresses)).every((r) => r.status === 'sent'), 15_000, 'delivery after recovery');
    for (const address of addresses) expect(smtp.deliveredTo(address), address).to.have.length(1);
  });

  it('records a permanent 550 rejection of the recipient as refused after one attempt, and never tries it again', async () => {
    const address = `nobody${uniqueDomain()}`;
    smtp.rejected.add(address);
    const id = await queue(address);
    // The probe would be the only way back for a waiting email: it runs every round here.
    const w = worker({ probeIntervalMs: 0 });

    await w.runOnce();
    for (let round = 0; round < 5; round += 1) await w.runOnce();

    const row = await db()('outbox_emails').where({ id }).first();
    expect(row.status).to.equal('failed');
    expect(row.attempts).to.equal(1);
    expect(row.last_error).to.match(/^550 /);
    expect(row.claimed_by).to.equal(null);
    expect(smtp.recipientAttempts.get(address)).to.equal(1);
    expect(smtp.deliveredTo(address)).to.have.length(0);
  });

  it('refuses a recipient that is more than one plain address instead of mailing whoever it names', async () => {
    const domain = uniqueDomain();
    const id = await queue(`first${domain}, second${domain}`);
    await worker().runOnce();

    const row = await db()('outbox_emails').where({ id }).first();
    expect(row).to.deep.include({ status: 'failed', attempts: 1, last_error: 'Not a single email address' });
    expect(smtp.received.filter((m) => m.recipients.some((r) => r.endsWith(domain)))).to.have.length(0);
  });

  it('lets two workers racing over 200 queued emails deliver each exactly once', async function () {
    this.timeout(60_000);
    const domain = uniqueDomain();
    const addresses = Array.from({ length: 200 }, (_, n) => `racer${n}${domain}`);
    await db().transaction(async (trx) => {
      for (const address of addresses) {
        await enqueueEmail(trx, {
          to: address,
          template: 'password-reset',
          data: { name: 'Racer', resetUrl: 'http://localhost:3999/portal/reset-password/x', expiresAt: new Date().toISOString() },
          idempotencyKey: `race:${address}`,
        });
      }
    });
    const first = worker({ batchSize: 7 });
    const second = worker({ batchSize: 7 });
    first.start();
    second.start();

    await eventually(async () => (await rowsTo(addresses)).every((r) => r.status === 'sent'), 45_000, 'all 200 sent');
    const received = smtp.received.filter((m) => m.recipients.some((r) => r.endsWith(domain)));
    expect(received).to.have.length(200);
    for (const address of addresses) expect(smtp.deliveredTo(address), address).to.have.length(1);
    const rows = await rowsTo(addresses);
    expect(new Set(rows.map((r) => r.smtp_message_id)).size).to.equal(200);
    expect(rows.every((r) => r.attempts === 1 && r.claimed_by === null)).to.equal(true);
  });

  it('sends nothing for an email queued in a transaction that rolled back', async () => {
    const partner: TestPartner = await createTestPartner('Rollback IT');
    const account = await purchaseFor(partner, { administrator: 'partner' });
    const failure = new Error('the change that caused the email failed');
    const outcome = await db()
      .transaction(async (trx) => {
        await issueInvitation(trx, account.accountId, testConfig());
        throw failure;
      })
      .catch((error: unknown) => error);
    expect(outcome).to.equal(failure);

    expect(await db()('outbox_emails').where({ customer_account_id: account.accountId })).to.have.length(0);
    expect(await db()('registration_invitations').where({ customer_account_id: account.accountId })).to.have.length(0);
    await worker().runOnce();
    expect(smtp.deliveredTo(account.email)).to.have.length(0);
  });

  it('marks an email dead after the last allowed attempt, and keeps it visible', async () => {
    const domain = uniqueDomain();
    const address = `patient${domain}`;
    smtp.tempFailFor = domain;
    const id = await queue(address);
    worker({ maxAttempts: 3 }).start();

    const row = await eventually(async () => {
      const r = await db()('outbox_emails').where({ id }).first();
      return r.status === 'dead' && r;
    }, 15_000, 'a dead row');
    expect(row.attempts).to.equal(3);
    expect(row.last_error).to.match(/^451 /);
    expect(smtp.recipientAttempts.get(address)).to.equal(3);
  });

  it('probes a waiting email without counting an attempt, and sends every waiting email as soon as the server is back', async () => {
    const domain = uniqueDomain();
    const addresses = ['one', 'two', 'three'].map((n) => `${n}${domain}`);
    smtp.tempFailFor = domain;
    for (const address of addresses) await queue(address);
    // An hour of backoff: only the probe can bring these back within the test.
    const w = worker({ backoffBaseMs: 3600_000, backoffCapMs: 3600_000, probeIntervalMs: 0 });

    await w.runOnce();
    let rows = await rowsTo(addresses);
    expect(rows.every((r) => r.status === 'pending' && r.attempts === 1)).to.equal(true);
    expect(rows.every((r) => r.next_attempt_at.getTime() > Date.now() + 3000_000)).to.equal(true);

    await w.runOnce(); // nothing due: the probe tries one of them, and it fails again
    const tried = addresses.reduce((sum, a) => sum + (smtp.recipientAttempts.get(a) ?? 0), 0);
    expect(tried).to.equal(4);
    rows = await rowsTo(addresses);
    expect(rows.every((r) => r.attempts === 1 && r.claimed_by === null)).to.equal(true);

    smtp.tempFailFor = undefined;
    await w.runOnce(); // the probe goes through: the others are due at once
    await w.runOnce();
    rows = await rowsTo(addresses);
    expect(rows.map((r) => r.status)).to.deep.equal(['sent', 'sent', 'sent']);
    for (const address of addresses) expect(smtp.deliveredTo(address), address).to.have.length(1);
  });

  it('takes back an email whose worker died holding it once the claim expires, and never while it is held', async () => {
    const address = `orphan${uniqueDomain()}`;
    const id = await queue(address);
    await db()('outbox_emails').where({ id }).update({ claimed_by: 'crashed-worker', claimed_until: db().raw("now() + interval '1 hour'") });
    const w = worker();

    await w.runOnce();
    expect(smtp.deliveredTo(address)).to.have.length(0);

    await db()('outbox_emails').where({ id }).update({ claimed_until: db().raw("now() - interval '1 second'") });
    await w.runOnce();
    expect(smtp.deliveredTo(address)).to.have.length(1);
    expect((await db()('outbox_emails').where({ id }).first()).status).to.equal('sent');
  });

  it('stops cleanly while a send is stuck: the email is given back unclaimed and uncounted', async () => {
    const address = `slow${uniqueDomain()}`;
    const id = await queue(address);
    smtp.dataDelayMs = 5000;
    const w = worker({ stopGraceMs: 100 });
    w.start();
    await eventually(async () => (await db()('outbox_emails').where({ id }).first()).claimed_by === w.id, 10_000, 'the claim');

    await w.stop();
    const row = await db()('outbox_emails').where({ id }).first();
    expect(row).to.deep.include({ status: 'pending', attempts: 0, claimed_by: null, claimed_until: null });
  });

  it('without SMTP_URL keeps the rendered email for the developer mailbox and marks it sent with no message id', async () => {
    const address = `developer${uniqueDomain()}`;
    const id = await queue(address);
    await worker({}, null).runOnce();

    const row = await db()('outbox_emails').where({ id }).first();
    expect(row.status).to.equal('sent');
    expect(row.smtp_message_id).to.equal(null);
    expect(row.subject).to.equal('Reset your Carbonite password');
    expect(row.html).to.include('Reset your password</a>');
    expect(row.text).to.include('Hello Robin Reader,');
    expect(smtp.deliveredTo(address)).to.have.length(0);
  });

  it('keeps retrying an email whose data cannot be rendered, with the reason, rather than sending a broken one', async () => {
    const address = `broken${uniqueDomain()}`;
    const id = await queue(address, { data: { name: 'No link' } });
    await worker().runOnce();

    const row = await db()('outbox_emails').where({ id }).first();
    expect(row).to.deep.include({ status: 'pending', attempts: 1, claimed_by: null });
    expect(row.last_error).to.match(/resetUrl/);
    expect(smtp.deliveredTo(address)).to.have.length(0);
  });

  it('prunes rate-limit hits older than a day', async () => {
    const bucket = `email-test-${crypto.randomUUID()}`;
    await db()('rate_limit_hits').insert([
      { bucket, key: 'old', hit_at: db().raw("now() - interval '25 hours'") },
      { bucket, key: 'fresh' },
    ]);
    await worker({ pruneIntervalMs: 0 }).runOnce();
    const left = await db()('rate_limit_hits').where({ bucket }).pluck('key');
    expect(left).to.deep.equal(['fresh']);
  });
});
