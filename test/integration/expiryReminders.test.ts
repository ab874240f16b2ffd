import { expect } from 'chai';
import { testDatabase } from '../support/hooks.ts';
import { createTestPartner, testConfig, uniqueEmail, TEST_PASSWORD, type TestPartner } from '../support/app.ts';
import { partnerSessionUser, purchaseFor, type TestAccount } from '../support/fixtures.ts';
import { directCustomer } from '../support/directCustomers.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtpServer.ts';
import { eventually } from '../support/eventually.ts';
import { hashSecret } from '../../lib/auth/passwords.ts';
import { createKnex } from '../../lib/db/database.ts';
import { createLogger } from '../../lib/boot/logger.ts';
import { createMailer } from '../../lib/mail/transport.ts';
import { createDeliveryWorker } from '../../lib/mail/deliveryWorker.ts';
import { renderEmail } from '../../lib/mail/templates.ts';
import { createRenewalJob } from '../../lib/jobs/renewalJob.ts';
import { sendExpiryReminders } from '../../models/expiryReminders.ts';
import { setAutoRenew } from '../../models/autoRenewals.ts';
import { renewSubscription } from '../../models/renewals.ts';
import { clockAt } from '../../models/accounts/statuses.ts';
import { overviewLinks } from '../../controllers/partner/overview.ts';

const db = () => testDatabase().db;
const at = (iso: string) => new Date(iso);

async function addUser(partner: TestPartner, role: 'admin' | 'staff' | 'read_only', fields: Record<string, unknown> = {}) {
  const email = uniqueEmail(role);
  const [row] = await db()('partner_users')
    .insert({ partner_id: partner.partnerId, name: `${role} user`, email, password_hash: await hashSecret(TEST_PASSWORD), role, ...fields })
    .returning('id');
  return { id: Number(row.id), email };
}

// A purchase of the partner whose term ends on `endsOn` (the trigger copies it, auto-renew and the trial flag onto the account).
async function ending(partner: TestPartner, customerName: string, endsOn: string, fields: { auto_renew?: boolean; trial?: boolean } = {}): Promise<TestAccount> {
  const account = await purchaseFor(partner, { customerName, administrator: 'partner' });
  await db()('subscriptions').where({ id: account.subscriptionId }).update({ ends_on: endsOn, ...fields });
  return account;
}

interface ReminderEmail {
  recipient: string;
  idempotency_key: string;
  data: { name: string; partnerName: string; count: number; groups: { heading: string; trial: boolean; subscriptions: { name: string; endsOn: string; url: string }[] }[]; expiringUrl: string };
}

async function reminderEmails(recipients: string[]): Promise<ReminderEmail[]> {
  return db()('outbox_emails').where({ template: 'expiry-reminder' }).whereIn('recipient', recipients).orderBy('id').select('recipient', 'idempotency_key', 'data');
}

async function countReminderEmails(): Promise<number> {
  const row = await db()('outbox_emails').where({ template: 'expiry-reminder' }).count<{ count: string }[]>('id as count').first();
  return Number(row!.count);
}

// What an email lists, as "heading: name" lines.
const listed = (email: ReminderEmail) => email.data.groups.flatMap((g) => g.subscriptions.map((s) => `${g.heading}: ${s.name}`));

async function remindersOf(account: TestAccount): Promise<string[]> {
  const rows = await db()('expiry_reminders').where({ customer_account_id: account.accountId }).orderBy(['ends_on', 'threshold']).select('threshold', 'ends_on');
  return rows.map((r) => `${r.threshold} ${r.ends_on}`);
}

// Every test checks every partner of the test database at moments in 2033-2034 that only move
// forward from one test to the next: each partner's record of its last check follows them.
describe('expiry reminders: once per threshold and term, one email a day per partner user, through the outbox', function () {
  this.timeout(60_000);
  const links = overviewLinks();
  let config: ReturnType<typeof testConfig>;
  let partner: TestPartner;
  let thirty: TestAccount;
  let renews: TestAccount;
  let trial: TestAccount;
  let staff: { id: number; email: string };
  let optedOut: { id: number; email: string };
  let gone: { id: number; email: string };
  let everyone: string[];
  let smtp: TestSmtpServer;

  before(async () => {
    config = testConfig();
    smtp = await startSmtpServer();
    partner = await createTestPartner('Reminder Test IT');
    thirty = await ending(partner, 'Thirty Days Ltd', '2033-03-31');
    renews = await ending(partner, 'Renews Itself Ltd', '2033-03-20', { auto_renew: true });
    trial = await ending(partner, 'Trial Ltd', '2033-03-27', { trial: true });
    staff = await addUser(partner, 'staff');
    optedOut = await addUser(partner, 'admin', { email_expiry_reminders: false });
    gone = await addUser(partner, 'staff', { deactivated_at: new Date() });
    everyone = [partner.email, staff.email, optedOut.email, gone.email];
  });
  after(() => smtp.close());

  it('sends nothing while no subscription is within 30 days of its end', async () => {
    await sendExpiryReminders(db(), config, links, at('2033-02-27T09:00:00Z'));
    expect(await reminderEmails(everyone)).to.deep.equal([]);
  });

  it('emails each opted-in user once when a subscription comes within 30 days of its end: not the user who opted out, nor a deactivated one; and it arrives through SMTP', async () => {
    const run = await sendExpiryReminders(db(), config, links, at('2033-03-01T09:00:00Z'));
    expect(run.reminders).to.be.at.least(1);
    const emails = await reminderEmails(everyone);
    expect(emails.map((e) => e.recipient).sort()).to.deep.equal([partner.email, staff.email].sort());
    for (const email of emails) {
      expect(email.idempotency_key).to.match(/^expiry-reminder:\d+:2033-03-01$/);
      expect(listed(email)).to.deep.equal(['Ending within 30 days: Thirty Days Ltd']);
      expect(email.data.groups[0].subscriptions[0]).to.deep.equal({ name: 'Thirty Days Ltd', endsOn: '2033-03-31', url: `${config.appUrl}/partner/accounts/${thirty.accountId}` });
      expect(email.data.expiringUrl).to.equal(new URL(links.expiring, config.appUrl).toString());
    }
    // Auto-renew on: never a reminder, though it ends sooner.
    expect(await remindersOf(renews)).to.deep.equal([]);

    const mailConfig = testConfig({ SMTP_URL: smtp.url });
    const worker = createDeliveryWorker({ db: db(), mailer: createMailer(mailConfig), config: mailConfig, logger: createLogger('silent') });
    try {
      await eventually(async () => {
        await worker.runOnce();
        return smtp.deliveredTo(staff.email).length > 0;
      }, 15_000, 'the expiry reminder');
    } finally {
      await worker.stop();
    }
    const [message] = smtp.deliveredTo(staff.email);
    expect(message.parsed.subject).to.equal('Carbonite reminder for Reminder Test IT: 1 subscription ending soon');
    expect(String(message.parsed.text)).to.include(`Ending within 30 days:\n- Thirty Days Ltd: ends on 31 March 2033\n  ${config.appUrl}/partner/accounts/${thirty.accountId}`);
    expect(String(message.parsed.text)).to.include(`Every subscription expiring within 30 days:\n${config.appUrl}${links.expiring}`);
    expect(String(message.parsed.html)).to.include(`<a href="${config.appUrl}/partner/accounts/${thirty.accountId}" style="color:#0b5cad;">Thirty Days Ltd</a>: ends on 31 March 2033`);
    expect(String(message.parsed.html)).to.include('See every subscription expiring within 30 days');
    // No trial listed: no link to the trials.
    expect(String(message.parsed.text)).not.to.include('Every trial ending');
  });

  it('sends nothing more the same day, nor the next day when nothing else came within a threshold', async () => {
    await sendExpiryReminders(db(), config, links, at('2033-03-01T15:00:00Z'));
    await sendExpiryReminders(db(), config, links, at('2033-03-02T09:00:00Z'));
    expect(await reminderEmails(everyone)).to.have.length(2);
    expect(await remindersOf(thirty)).to.deep.equal(['days_30 2033-03-31']);
  });

  it('reminds again at 7 days, and lists a trial within 3 days of its end (a trial is never on the 30- and 7-day lists)', async () => {
    await sendExpiryReminders(db(), config, links, at('2033-03-10T09:00:00Z'));
    expect(await reminderEmails(everyone)).to.have.length(2);
    await sendExpiryReminders(db(), config, links, at('2033-03-24T09:00:00Z'));
    const today = (await reminderEmails(everyone)).filter((e) => e.idempotency_key.endsWith(':2033-03-24'));
    expect(today.map((e) => e.recipient).sort()).to.deep.equal([partner.email, staff.email].sort());
    for (const email of today) {
      expect(listed(email)).to.deep.equal(['Trials ending within 3 days: Trial Ltd', 'Ending within 7 days: Thirty Days Ltd']);
      expect(email.data.count).to.equal(2);
    }
    expect(await remindersOf(thirty)).to.deep.equal(['days_30 2033-03-31', 'days_7 2033-03-31']);
    expect(await remindersOf(trial)).to.deep.equal(['trial_3 2033-03-27']);
    const rendered = await renderEmail('expiry-reminder', today[0].data, config);
    expect(rendered.subject).to.equal('Carbonite reminder for Reminder Test IT: 2 subscriptions ending soon');
    expect(rendered.text).to.include('Trials ending within 3 days:\n- Trial Ltd: ends on 27 March 2033');
    // Trials are not in the Expiring within 30 days list: the email links to theirs as well.
    expect(rendered.text).to.include(`Every trial ending within 7 days:\n${new URL(links.trialsEnding, config.appUrl)}`);
    expect(rendered.html).to.include('See every trial ending within 7 days');
    // More than the email lists: the rest are counted, behind the links.
    const many = await renderEmail('expiry-reminder', { ...today[0].data, count: 60 }, config);
    expect(many.text).to.include('... and 58 more.');
  });

  it('reminds a renewed subscription again for its new term, and never twice for one term', async () => {
    await renewSubscription(db(), partnerSessionUser(partner), { accountId: thirty.accountId, years: 1, orderKey: `renewal:${thirty.accountId}:test` }, { config, clock: clockAt(at('2033-03-25T10:00:00Z')) });
    await sendExpiryReminders(db(), config, links, at('2033-03-25T11:00:00Z'));
    await sendExpiryReminders(db(), config, links, at('2034-02-28T09:00:00Z'));
    expect(await reminderEmails(everyone)).to.have.length(4);
    await sendExpiryReminders(db(), config, links, at('2034-03-01T09:00:00Z'));
    const emails = await reminderEmails([partner.email]);
    expect(emails).to.have.length(3);
    expect(emails[2].idempotency_key).to.equal(`expiry-reminder:${partner.userId}:2034-03-01`);
    expect(listed(emails[2])).to.deep.equal(['Ending within 30 days: Thirty Days Ltd']);
    expect(emails[2].data.groups[0].subscriptions[0].endsOn).to.equal('2034-03-31');
    expect(await remindersOf(thirty)).to.deep.equal(['days_30 2033-03-31', 'days_7 2033-03-31', 'days_30 2034-03-31']);
  });

  it('sends one email a day however many passes find reminders: one found after the day’s email waits for tomorrow’s; one first seen within 7 days gets the 7-day reminder alone', async () => {
    const sameDay = await createTestPartner('Same Day IT');
    const first = await ending(sameDay, 'Found At Midnight Ltd', '2034-05-01');
    const turnedOff = await ending(sameDay, 'Auto-renew Off At Noon Ltd', '2034-04-21', { auto_renew: true });
    const lastMinute = await ending(sameDay, 'Five Days Left Ltd', '2034-04-06', { auto_renew: true });
    await sendExpiryReminders(db(), config, links, at('2034-04-01T00:10:00Z'));
    expect((await reminderEmails([sameDay.email])).map(listed)).to.deep.equal([['Ending within 30 days: Found At Midnight Ltd']]);

    // The partner turns auto-renew off at noon (Disable auto-renew): both now end without renewing.
    const clock = clockAt(at('2034-04-01T12:00:00Z'));
    await setAutoRenew(db(), partnerSessionUser(sameDay), turnedOff.accountId, false, { clock });
    await setAutoRenew(db(), partnerSessionUser(sameDay), lastMinute.accountId, false, { clock });
    const noon = await sendExpiryReminders(db(), config, links, at('2034-04-01T12:05:00Z'));
    expect(noon.emailsQueued).to.equal(0);
    expect(await remindersOf(turnedOff)).to.deep.equal(['days_30 2034-04-21']);
    expect(await remindersOf(lastMinute)).to.deep.equal(['days_7 2034-04-06']);
    expect(await reminderEmails([sameDay.email])).to.have.length(1);

    await sendExpiryReminders(db(), config, links, at('2034-04-02T00:10:00Z'));
    const emails = await reminderEmails([sameDay.email]);
    expect(emails).to.have.length(2);
    expect(emails[1].idempotency_key).to.equal(`expiry-reminder:${sameDay.userId}:2034-04-02`);
    expect(listed(emails[1])).to.deep.equal(['Ending within 7 days: Five Days Left Ltd', 'Ending within 30 days: Auto-renew Off At Noon Ltd']);
    expect(await remindersOf(first)).to.deep.equal(['days_30 2034-05-01']);
  });

  it('from two workers (two connection pools) running passes of the renewal job at once, one email per user', async () => {
    const twin = await createTestPartner('Two Workers Reminder IT');
    const teammate = await addUser(twin, 'read_only');
    const account = await ending(twin, 'Twin Customer', '2034-05-10');
    const logger = createLogger('silent');
    const second = createKnex(testDatabase().url, 5);
    try {
      const jobConfig = { ...config, renewalCheckSeconds: 60 };
      const one = createRenewalJob({ db: db(), config: jobConfig, logger, links });
      const two = createRenewalJob({ db: second, config: jobConfig, logger, links });
      const when = at('2034-04-10T09:00:00Z');
      const queuedBefore = await countReminderEmails();
      const passes = await Promise.all([one.runOnce(when), two.runOnce(when), one.runOnce(when), two.runOnce(when)]);
      // Each email was queued by one pass alone: none relied on the outbox's key to drop a second copy.
      expect(passes.reduce((sum, p) => sum + p.reminders.emailsQueued, 0)).to.equal((await countReminderEmails()) - queuedBefore);
    } finally {
      await second.destroy();
    }
    const emails = await reminderEmails([twin.email, teammate.email]);
    expect(emails.map((e) => e.recipient).sort()).to.deep.equal([twin.email, teammate.email].sort());
    for (const email of emails) expect(listed(email)).to.deep.equal(['Ending within 30 days: Twin Customer']);
    expect(await remindersOf(account)).to.deep.equal(['days_30 2034-05-10']);
  });

  it('never reminds about an account that has left the partner (released) or a direct customer’s, nor lists another partner’s', async () => {
    const leaving = await createTestPartner('Releasing IT');
    const released = await ending(leaving, 'Released Ltd', '2034-05-20');
    const kept = await ending(leaving, 'Kept Ltd', '2034-05-20');
    // As Release account leaves it (models/accounts/release.ts): no partner, the subscription intact.
    await db()('customer_accounts').where({ id: released.accountId }).update({ partner_id: null });
    const direct = await directCustomer({ name: 'Direct Ending Ltd' });
    await db()('subscriptions').where({ customer_account_id: direct.accountId }).update({ ends_on: '2034-05-20' });

    await sendExpiryReminders(db(), config, links, at('2034-04-20T09:00:00Z'));
    const emails = await reminderEmails([leaving.email]);
    expect(emails).to.have.length(1);
    expect(listed(emails[0])).to.deep.equal(['Ending within 30 days: Kept Ltd']);
    expect(await remindersOf(released)).to.deep.equal([]);
    expect(await remindersOf({ ...released, accountId: direct.accountId })).to.deep.equal([]);
    // (A sent email's data is dropped to {}: the ones the SMTP test delivered list nothing here.)
    const mine = (await reminderEmails(everyone)).filter((e) => e.data.groups).flatMap(listed);
    expect(mine).to.include('Ending within 30 days: Thirty Days Ltd');
    expect(mine.some((line) => /Kept Ltd|Released Ltd|Twin Customer|Found At Midnight/.test(line))).to.equal(false);
  });

  it('leaves out of the next email a reminder no longer true by then (auto-renew turned back on), and records it once all the same', async () => {
    const late = await createTestPartner('Changed Its Mind IT');
    await ending(late, 'Early Bird Ltd', '2034-05-25');
    const flipping = await ending(late, 'Changed Its Mind Ltd', '2034-05-20', { auto_renew: true });
    await sendExpiryReminders(db(), config, links, at('2034-04-25T00:10:00Z'));
    expect((await reminderEmails([late.email])).map(listed)).to.deep.equal([['Ending within 30 days: Early Bird Ltd']]);

    const user = partnerSessionUser(late);
    await setAutoRenew(db(), user, flipping.accountId, false, { clock: clockAt(at('2034-04-25T10:00:00Z')) });
    await sendExpiryReminders(db(), config, links, at('2034-04-25T10:05:00Z'));
    expect(await remindersOf(flipping)).to.deep.equal(['days_30 2034-05-20']);
    await setAutoRenew(db(), user, flipping.accountId, true, { clock: clockAt(at('2034-04-25T15:00:00Z')) });
    await sendExpiryReminders(db(), config, links, at('2034-04-26T00:10:00Z'));
    // It will renew itself: nothing to remind, so no email at all that day.
    expect(await reminderEmails([late.email])).to.have.length(1);
    expect((await db()('expiry_reminders').where({ customer_account_id: flipping.accountId }).first('batch_day')).batch_day).to.equal('2034-04-26');
  });
});
