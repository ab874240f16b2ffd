import crypto from 'node:crypto';
import { expect } from 'chai';
import supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { hashSecret } from '../../lib/auth/passwords.ts';
import { createLogger } from '../../lib/boot/logger.ts';
import { createDeliveryWorker } from '../../lib/mail/deliveryWorker.ts';
import { enqueueEmail } from '../../models/outbox.ts';
import { emailStateForAccount, emailStateText, listUndeliveredMail } from '../../models/emails.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, signInPartner, TEST_PASSWORD, testConfig, uniqueEmail, type TestApp, type TestPartner } from '../support/app.ts';
import { purchaseFor, type TestAccount } from '../support/fixtures.ts';

const db = () => testDatabase().db;

// What the developer-mailbox worker does without SMTP_URL: render, keep, mark sent.
async function deliverToDeveloperMailbox(): Promise<void> {
  const config = testConfig();
  const worker = createDeliveryWorker({ db: db(), mailer: undefined, config, logger: createLogger('silent') });
  while ((await worker.runOnce()) > 0);
  await worker.stop();
}

async function registrationEmailOf(accountId: number) {
  return db()('outbox_emails').where({ customer_account_id: accountId, template: 'registration-invitation' }).orderBy('id', 'desc').first();
}

async function markRefused(accountId: number): Promise<void> {
  await db()('outbox_emails')
    .where({ customer_account_id: accountId })
    .update({ status: 'failed', attempts: 1, last_error: '550 5.1.1 No such user here' });
}

describe('developer mailbox', () => {
  let t: TestApp;
  let partner: TestPartner;
  let account: TestAccount;

  before(async () => {
    t = buildTestApp();
    partner = await createTestPartner('Mailbox Viewing IT');
    account = await purchaseFor(partner, { customerName: 'Mallory <script>alert(1)</script>' });
  });
  after(() => t.close());

  it('lists a queued email before any worker has rendered it', async () => {
    const row = await registrationEmailOf(account.accountId);
    const res = await supertest(t.app).get(paths.devMailbox.index).expect(200);
    expect(res.text).to.include(`href="${paths.devMailbox.message(row.id)}"`);
    expect(res.text).to.include(account.email);
  });

  it('shows a message with its HTML part and its plain-text part, links clickable, and no script', async () => {
    await deliverToDeveloperMailbox();
    const row = await registrationEmailOf(account.accountId);
    expect(row.status).to.equal('sent');
    const registrationUrl: string = row.data.registrationUrl;

    const list = await supertest(t.app).get(paths.devMailbox.index).expect(200);
    expect(list.text).to.include('Complete your Carbonite account registration</a>');

    const res = await supertest(t.app).get(paths.devMailbox.message(row.id)).expect(200);
    expect(res.headers['cache-control']).to.equal('no-store');
    expect(res.headers['content-security-policy']).to.include("default-src 'none'");
    const [, html] = res.text.split('id="html-part-title"');
    const [htmlPart, textPart] = html.split('id="text-part-title"');
    // HTML part: the rendered markup, rebuilt without styles, with live links.
    expect(htmlPart).to.include(`<a href="${registrationUrl}" rel="noopener noreferrer">Complete registration</a>`);
    expect(htmlPart).to.include(account.keyCode);
    expect(htmlPart).to.include('<h2>Install Carbonite</h2>');
    expect(htmlPart).to.include('Mallory &lt;script&gt;alert(1)&lt;/script&gt;');
    // Plain-text part: escaped, its addresses made links.
    expect(textPart).to.include(`<a href="${registrationUrl}" rel="noopener noreferrer">${registrationUrl}</a>`);
    expect(textPart).to.include('Hello Mallory &lt;script&gt;alert(1)&lt;/script&gt;,');
    expect(res.text).not.to.match(/<script|<iframe|style="/i);
  });

  it('never lets markup in a stored HTML part run or restyle the page', async () => {
    const key = `hostile:${crypto.randomUUID()}`;
    await enqueueEmail(db(), { to: uniqueEmail('hostile'), template: 'password-reset', data: {}, idempotencyKey: key });
    await db()('outbox_emails')
      .where({ idempotency_key: key })
      .update({
        status: 'sent',
        subject: 'Hostile <b>subject</b>',
        text: 'See javascript:alert(1) and http://example.test/ok',
        html: '<style>body{display:none}</style><script>alert(1)</script><p onclick="alert(1)">Hi <a href="javascript:alert(1)">bad</a> <a href="java&#115;cript:alert(2)">worse</a> <img src=x onerror=alert(3)><iframe src="http://evil.test"></iframe><form action="/partner/sign-out"><button>Go</button></form></p></main></div>',
      });
    const row = await db()('outbox_emails').where({ idempotency_key: key }).first('id');
    const res = await supertest(t.app).get(paths.devMailbox.message(row.id)).expect(200);
    const [, preview] = res.text.split('<div class="mail-preview">');
    const [markup] = preview.split('<details');
    expect(markup).to.include('<p>Hi <a>bad</a> <a>worse</a> Go</p></div>');
    expect(markup).not.to.match(/<script|<style|<img|<iframe|<form|<button|onclick|onerror|javascript:/i);
    expect(res.text).to.include('Hostile &lt;b&gt;subject&lt;/b&gt;');
    expect(res.text).to.include('<a href="http://example.test/ok" rel="noopener noreferrer">http://example.test/ok</a>');
    // The source is shown too, as escaped text.
    expect(res.text).to.include('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('answers 404 for a message that does not exist', async () => {
    await supertest(t.app).get(paths.devMailbox.message(999_999_999)).expect(404);
    await supertest(t.app).get(paths.devMailbox.message('not-a-number')).expect(404);
  });

  it('does not exist in production', async () => {
    const production = buildTestApp({ NODE_ENV: 'production', SMTP_URL: 'smtp://127.0.0.1:2525' });
    try {
      const row = await registrationEmailOf(account.accountId);
      const list = await supertest(production.app).get(paths.devMailbox.index).expect(404);
      expect(list.text).to.include('Page not found');
      await supertest(production.app).get(paths.devMailbox.message(row.id)).expect(404);
    } finally {
      await production.close();
    }
  });
});

describe('Undelivered mail (owner only) and the account email state', () => {
  let t: TestApp;
  let partner: TestPartner;
  let other: TestPartner;
  let refused: TestAccount;
  let othersRefused: TestAccount;

  before(async () => {
    t = buildTestApp();
    partner = await createTestPartner('Undelivered Owner IT');
    other = await createTestPartner('Someone Else IT');
    refused = await purchaseFor(partner, { customerName: 'Bounced Bakery' });
    othersRefused = await purchaseFor(other, { customerName: 'Other Partner Customer' });
    await markRefused(refused.accountId);
    await markRefused(othersRefused.accountId);
  });
  after(() => t.close());

  it('shows the owner their own undelivered emails with the server’s answer, and nobody else’s', async () => {
    const agent = await signInPartner(t.app, partner);
    const res = await agent.get(paths.partner.undeliveredMail).expect(200);
    expect(res.text).to.include('<h1>Undelivered mail</h1>');
    expect(res.text).to.include(refused.email);
    expect(res.text).to.include(`<a href="${paths.partner.account(refused.accountId)}">Bounced Bakery</a>`);
    expect(res.text).to.include('tag--failed');
    expect(res.text).to.include('550 5.1.1 No such user here');
    expect(res.text).to.include('aria-current="page">Undelivered mail</a>');
    expect(res.text).not.to.include(othersRefused.email);
    expect(res.text).not.to.include('Other Partner Customer');
  });

  it('is a 404 for a partner user who is not the owner', async () => {
    const email = uniqueEmail('staff');
    await db()('partner_users').insert({
      partner_id: partner.partnerId,
      name: 'Sam Staff',
      email,
      password_hash: await hashSecret(TEST_PASSWORD),
      role: 'staff',
    });
    const agent = await signInPartner(t.app, { email, password: TEST_PASSWORD });
    const res = await agent.get(paths.partner.undeliveredMail).expect(404);
    expect(res.text).not.to.include(refused.email);
    const accounts = await agent.get(paths.partner.accounts).expect(200);
    expect(accounts.text).not.to.include('Undelivered mail');
  });

  it('sends someone who is not signed in to the partner sign-in', async () => {
    const res = await supertest(t.app).get(paths.partner.undeliveredMail).expect(303);
    expect(res.headers.location).to.equal(`${paths.partner.signIn}?next=${encodeURIComponent(paths.partner.undeliveredMail)}`);
  });

  it('pages through the undelivered list, newest first, within the partner', async () => {
    const own = await createTestPartner('Paging IT');
    const accounts: TestAccount[] = [];
    for (let n = 0; n < 3; n += 1) accounts.push(await purchaseFor(own));
    // Each purchase also emails its order confirmation to the partner user: sent here, so the
    // list holds the three registration emails only.
    await db()('outbox_emails').where({ partner_id: own.partnerId, template: 'order-confirmation' }).update({ status: 'sent', sent_at: new Date() });
    const first = await listUndeliveredMail(db(), own.partnerId, { limit: 2 });
    expect(first.emails.map((e) => e.recipient)).to.deep.equal([accounts[2].email, accounts[1].email]);
    expect(first.nextBefore).to.be.a('number');
    const second = await listUndeliveredMail(db(), own.partnerId, { limit: 2, before: first.nextBefore });
    expect(second.emails.map((e) => e.recipient)).to.deep.equal([accounts[0].email]);
    expect(second.nextBefore).to.equal(undefined);
  });

  it('files mail about an account under the account’s partner even when the caller leaves partnerId out', async () => {
    const account = await purchaseFor(partner, { administrator: 'partner' });
    const key = `no-partner:${crypto.randomUUID()}`;
    await enqueueEmail(db(), {
      to: account.email,
      template: 'password-reset',
      data: { name: 'x', resetUrl: 'http://localhost:3999/r', expiresAt: new Date().toISOString() },
      customerAccountId: account.accountId,
      idempotencyKey: key,
    });
    expect((await db()('outbox_emails').where({ idempotency_key: key }).first('partner_id')).partner_id).to.equal(partner.partnerId);
    const { emails } = await listUndeliveredMail(db(), partner.partnerId);
    expect(emails.map((e) => e.recipient)).to.include(account.email);
    expect((await listUndeliveredMail(db(), other.partnerId)).emails.map((e) => e.recipient)).not.to.include(account.email);
  });

  it('answers an account’s email state for its dashboard, and nothing for another partner’s account', async () => {
    const account = await purchaseFor(partner, { customerName: 'State Check Co' });
    const queued = await emailStateForAccount(db(), partner.partnerId, account.accountId);
    expect(queued?.registration?.state).to.equal('queued');
    expect(emailStateText(queued!.registration!)).to.equal('Queued: waiting to be sent');

    await db()('outbox_emails').where({ customer_account_id: account.accountId }).update({ attempts: 2, last_error: '451 4.3.0 busy' });
    const retrying = await emailStateForAccount(db(), partner.partnerId, account.accountId);
    expect(retrying?.registration).to.deep.include({ state: 'retrying', attempts: 2, lastError: '451 4.3.0 busy', recipient: account.email });
    expect(retrying?.registration?.nextAttemptAt).to.be.instanceOf(Date);
    expect(emailStateText(retrying!.registration!)).to.equal('Not delivered yet: retrying');

    const refusedState = await emailStateForAccount(db(), partner.partnerId, refused.accountId);
    expect(refusedState?.registration?.state).to.equal('failed');
    expect(refusedState?.registration?.nextAttemptAt).to.equal(null);

    expect(await emailStateForAccount(db(), other.partnerId, account.accountId)).to.equal(undefined);
    const managedByPartner = await purchaseFor(partner, { administrator: 'partner' });
    const none = await emailStateForAccount(db(), partner.partnerId, managedByPartner.accountId);
    expect(none).to.deep.equal({ registration: undefined, latest: undefined, emails: [] });
  });
});
