import { expect } from 'chai';
import type supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, getForm, signInPartner, submitForm, uniqueEmail, type TestApp, type TestPartner } from '../support/app.ts';
import { latestRegistrationUrl, purchaseFor } from '../support/fixtures.ts';
import { activateInstallation, recordBackup } from '../../models/installations.ts';
import { completeRegistration } from '../../models/registration.ts';
import { backupState } from '../../models/accounts/details.ts';
import * as format from '../../lib/views/format.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function decode(text: string): string {
  return text.replace(/&#39;/g, "'").replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#34;/g, '"');
}

// The Dashboard's label/value pairs, from its summary lists.
function summaryOf(html: string): Record<string, string> {
  const text = decode(html);
  return Object.fromEntries(
    [...text.matchAll(/<dt>([^<]+)<\/dt>\s*<dd>([\s\S]*?)<\/dd>/g)].map((m) => [m[1].trim(), m[2].replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()]),
  );
}

function computerRows(html: string): string[][] {
  const section = /id="computers-title"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(section)?.[1] ?? '';
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...row[1].matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((cell) => decode(cell[1].replace(/<br>/g, ' | ').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim())),
  );
}

function flashOf(html: string): string | undefined {
  return decode(/<div class="notice notice--\w+" role="status">\s*<p>([^<]*)<\/p>/.exec(html)?.[1] ?? '') || undefined;
}

describe('the account Dashboard, Install Carbonite, resend and hand-over', () => {
  let t: TestApp;
  let partner: TestPartner;
  let agent: supertest.Agent;

  before(async () => {
    t = buildTestApp({ DOWNLOAD_URL_WINDOWS: 'https://dl.example.test/win/Setup.exe', DOWNLOAD_URL_MAC: 'https://dl.example.test/mac/Setup.dmg' });
    partner = await createTestPartner('Dashboard Test IT');
    agent = await signInPartner(t.app, partner);
  });
  after(() => t.close());

  describe('subscription information', () => {
    it('shows a partner-administered account: product, plan, computers, term, dates, key code, status, administrator', async () => {
      const account = await purchaseFor(partner, { customerName: 'Granite Motors', productId: 'safe-backup-pro', planId: 'sbp-ultimate', computers: 25, termYears: 3, administrator: 'partner' });
      const res = await agent.get(paths.partner.account(account.accountId)).expect(200);
      const s = summaryOf(res.text);
      const today = new Date();
      const end = new Date(Date.UTC(today.getUTCFullYear() + 3, today.getUTCMonth(), today.getUTCDate()));
      const day = (d: Date) => new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(d);
      expect(s).to.include({
        Customer: 'Granite Motors',
        'Customer email': account.email,
        Product: 'Safe Backup Pro',
        Plan: 'Ultimate',
        Computers: '0 of 25 used',
        Term: '3 years',
        'Starts on': day(today),
        'Ends on': day(end),
        Status: 'Active',
        'Account administrator': 'Partner (you)',
        'Key code': account.keyCode,
      });
      expect(s).not.to.have.property('Registered on');
      expect(res.text).to.match(/<title>Granite Motors – Carbonite<\/title>/);
      expect(res.text).to.include(`href="${paths.partner.installCarbonite(account.accountId)}">Install Carbonite</a>`);
      expect(res.text).to.include('Hand over administration to the customer');
      expect(res.text).not.to.include('Resend registration email');
    });

    it('shows a customer-managed account waiting for registration: pending since, the email’s state, when the link expires, and Resend', async () => {
      const account = await purchaseFor(partner, { customerName: 'Fjord Studio' });
      const { db } = testDatabase();
      let res = await agent.get(paths.partner.account(account.accountId)).expect(200);
      let s = summaryOf(res.text);
      expect(s.Status).to.equal('Pending registration');
      expect(s['Account administrator']).to.equal('Customer');
      expect(s['Pending since']).to.match(/^\d{1,2} \w+ \d{4}$/);
      expect(s['Registration email']).to.equal(`Queued: waiting to be sent to ${account.email}`);
      const invitation = await db('registration_invitations').where({ customer_account_id: account.accountId }).first('expires_at');
      expect(invitation.expires_at.getTime() - Date.now()).to.be.closeTo(14 * DAY, HOUR);
      expect(s['Registration link']).to.match(/^Works until \d{1,2} \w+ \d{4}(,| at) \d\d:\d\d UTC$/);
      expect(res.text).to.include('Resend registration email');
      expect(res.text).not.to.include('id="hand-over-title"');

      const sentAt = new Date('2026-03-04T10:15:00Z');
      await db('outbox_emails').where({ customer_account_id: account.accountId }).update({ status: 'sent', sent_at: sentAt, attempts: 1 });
      res = await agent.get(paths.partner.account(account.accountId)).expect(200);
      expect(summaryOf(res.text)['Registration email']).to.equal(`Sent on ${format.dateTime(sentAt)} to ${account.email}`);

      await db('outbox_emails').where({ customer_account_id: account.accountId }).update({ status: 'pending', sent_at: null, attempts: 2 });
      res = await agent.get(paths.partner.account(account.accountId)).expect(200);
      expect(summaryOf(res.text)['Registration email']).to.include('Not delivered yet: retrying');

      await db('registration_invitations').where({ customer_account_id: account.accountId }).update({ expires_at: new Date(Date.now() - HOUR) });
      res = await agent.get(paths.partner.account(account.accountId)).expect(200);
      s = summaryOf(res.text);
      expect(s.Status).to.equal('Registration link expired');
      expect(s['Registration link']).to.match(/^Expired on \d{1,2} \w+ \d{4}(,| at) \d\d:\d\d UTC$/);
    });

    it('shows the registration date and the customer’s own name once the customer registered', async () => {
      const account = await purchaseFor(partner, { customerName: 'Juniper Labs', productId: 'safe-backup-pro', planId: 'sbp-core', computers: 3 });
      const { db } = testDatabase();
      const invitation = await db('registration_invitations').where({ customer_account_id: account.accountId }).first('id');
      const [q1, q2] = (await db('security_questions').orderBy('id').limit(2)).map((q) => q.id);
      const done = await completeRegistration(db, invitation.id, { password: 'a quiet lake at noon 31', question1Id: q1, answer1: 'one', question2Id: q2, answer2: 'two', firstName: 'Robin', lastName: 'Juniper' }, {});
      expect(done.outcome).to.equal('completed');
      const res = await agent.get(paths.partner.account(account.accountId)).expect(200);
      const s = summaryOf(res.text);
      expect(s).to.include({ Status: 'Active', 'Account administrator': 'Customer', 'Customer’s name': 'Robin Juniper' });
      expect(s['Registered on']).to.match(/^\d{1,2} \w+ \d{4}$/);
      expect(res.text).not.to.include('Resend registration email');
      expect(res.text).not.to.include('id="registration-title"');
    });

    it('shows an account whose subscription ended as Expired, with the day it ended and no Install Carbonite', async () => {
      const account = await purchaseFor(partner, { customerName: 'Summit Optics', administrator: 'partner' });
      await testDatabase().db('subscriptions').where({ id: account.subscriptionId }).update({ starts_on: '2024-01-10', ends_on: '2025-01-10' });
      const res = await agent.get(paths.partner.account(account.accountId)).expect(200);
      expect(summaryOf(res.text)).to.include({ Status: 'Expired', 'Ended on': '10 January 2025' });
      // Its key code no longer activates (the API answers 403), so the Dashboard says so instead of offering the install.
      expect(res.text).to.include('This subscription ended on 10 January 2025. Its key code no longer activates computers.');
      expect(res.text).not.to.include(`href="${paths.partner.installCarbonite(account.accountId)}"`);
      // Reached by its address, the Install page says the same instead of showing a key code that will not work.
      const install = await agent.get(paths.partner.installCarbonite(account.accountId)).expect(200);
      expect(install.text).to.include('This subscription ended on 10 January 2025. Its key code no longer activates computers');
      expect(install.text).not.to.include(account.keyCode);
    });

    it('answers 404 for an account that does not exist or an id that is not a number', async () => {
      for (const id of ['999999999', '0', 'abc', '1e3', '12345678901234567890']) {
        await agent.get(`/partner/accounts/${id}`).expect(404);
      }
    });
  });

  describe('computers', () => {
    it('lists the computers with name, platform, serial number, activation day and the last backup in plain words', async () => {
      const account = await purchaseFor(partner, { customerName: 'Tidewater Works', productId: 'safe-backup-pro', planId: 'sbp-power', computers: 5, administrator: 'partner' });
      const { db } = testDatabase();
      const recent = await activateInstallation(db, { keyCode: account.keyCode, computerName: 'Front Desk PC', platform: 'windows' });
      const stale = await activateInstallation(db, { keyCode: account.keyCode, computerName: 'Studio Mac', platform: 'mac' });
      const idle = await activateInstallation(db, { keyCode: account.keyCode, computerName: 'Spare Laptop', platform: 'windows' });
      await recordBackup(db, recent.deviceToken, { completedAt: new Date(Date.now() - 2 * HOUR - 60_000), bytes: 1000, files: 10 });
      await recordBackup(db, stale.deviceToken, { completedAt: new Date(Date.now() - 5 * DAY - HOUR), bytes: 1000, files: 10 });
      void idle;
      const res = await agent.get(paths.partner.account(account.accountId)).expect(200);
      expect(summaryOf(res.text).Computers).to.equal('3 of 5 used');
      const rows = computerRows(res.text);
      expect(rows.map((r) => r.slice(0, 3))).to.deep.equal([
        ['Front Desk PC', 'Windows', recent.serialNumber],
        ['Studio Mac', 'Mac', stale.serialNumber],
        ['Spare Laptop', 'Windows', idle.serialNumber],
      ]);
      expect(rows[0][3]).to.match(/^\d{1,2} \w+ \d{4}$/);
      expect(rows[0][4]).to.match(/^Backed up 2 hours ago \| \d{1,2} \w+ \d{4}(,| at) \d\d:\d\d UTC$/);
      expect(rows[1][4]).to.match(/^No backup for 5 days \| /);
      expect(rows[2][4]).to.equal('No backup yet');
    });

    it('says "No computers yet" and points to Install Carbonite before any computer is activated', async () => {
      const account = await purchaseFor(partner, { administrator: 'partner' });
      const res = await agent.get(paths.partner.account(account.accountId)).expect(200);
      expect(res.text).to.include('No computers yet.');
    });

    it('words the backup state by age: minutes and hours as "Backed up", days without one as "No backup for"', () => {
      const now = new Date('2026-06-10T12:00:00Z');
      const activated = new Date('2026-06-01T12:00:00Z');
      const at = (ms: number) => new Date(now.getTime() - ms);
      expect(backupState(at(5 * 60_000), activated, now)).to.deep.equal({ text: 'Backed up 5 minutes ago', tone: 'ok' });
      expect(backupState(at(2 * HOUR), activated, now)).to.deep.equal({ text: 'Backed up 2 hours ago', tone: 'ok' });
      expect(backupState(at(30 * HOUR), activated, now)).to.deep.equal({ text: 'Backed up 1 day ago', tone: 'ok' });
      expect(backupState(at(5 * DAY), activated, now)).to.deep.equal({ text: 'No backup for 5 days', tone: 'warning' });
      expect(backupState(null, activated, now)).to.deep.equal({ text: 'No backup yet', tone: 'warning' });
      expect(backupState(null, at(HOUR), now)).to.deep.equal({ text: 'No backup yet', tone: 'none' });
    });
  });

  describe('Install Carbonite', () => {
    it('gives step-by-step instructions for Windows and Mac with the download links and the key code', async () => {
      const account = await purchaseFor(partner, { customerName: 'Orchid Cafe', administrator: 'partner' });
      const res = await agent.get(paths.partner.installCarbonite(account.accountId)).expect(200);
      expect(res.text).to.match(/<title>Install Carbonite – Carbonite<\/title>/);
      expect(res.text).to.include('<h1>Install Carbonite</h1>');
      expect(res.text).to.include('Install on Windows');
      expect(res.text).to.include('Install on a Mac');
      expect(res.text).to.include('<a href="https://dl.example.test/win/Setup.exe">Download Carbonite for Windows</a>');
      expect(res.text).to.include('<a href="https://dl.example.test/mac/Setup.dmg">Download Carbonite for Mac</a>');
      expect(res.text).to.include(`<span class="key-code">${account.keyCode}</span>`);
      expect([...res.text.matchAll(/<ol class="steps">([\s\S]*?)<\/ol>/g)].map((m) => (m[1].match(/<li>/g) ?? []).length)).to.deep.equal([5, 5]);
    });

    it('uses the brand from BRAND_NAME', async () => {
      const branded = buildTestApp({ BRAND_NAME: 'Acme Backup' });
      try {
        const account = await purchaseFor(partner, { administrator: 'partner' });
        const brandAgent = await signInPartner(branded.app, partner);
        const dashboard = await brandAgent.get(paths.partner.account(account.accountId)).expect(200);
        expect(dashboard.text).to.include('>Install Acme Backup</a>');
        const install = await brandAgent.get(paths.partner.installCarbonite(account.accountId)).expect(200);
        expect(install.text).to.include('<h1>Install Acme Backup</h1>');
        expect(install.text).to.include('Download Acme Backup for Windows');
      } finally {
        await branded.close();
      }
    });
  });

  describe('Resend registration email', () => {
    it('sends a new link that works, voids the old one, records it, and says so', async () => {
      const account = await purchaseFor(partner, { customerName: 'Kestrel Travel' });
      const { db } = testDatabase();
      const oldLink = new URL(await latestRegistrationUrl(account.accountId)).pathname;
      const res = await submitForm(agent, paths.partner.account(account.accountId), {}, paths.partner.resendRegistration(account.accountId));
      expect(res.status).to.equal(303);
      expect(res.headers.location).to.equal(paths.partner.account(account.accountId));
      const invitations = await db('registration_invitations').where({ customer_account_id: account.accountId }).orderBy('id');
      expect(invitations).to.have.length(2);
      expect(invitations[0].voided_at).to.be.instanceOf(Date);
      expect(invitations[1].voided_at).to.equal(null);
      const emails = await db('outbox_emails').where({ customer_account_id: account.accountId, template: 'registration-invitation' });
      expect(emails).to.have.length(2);
      const newLink = new URL(await latestRegistrationUrl(account.accountId)).pathname;
      expect(newLink).not.to.equal(oldLink);
      const audit = await db('audit_events').where({ customer_account_id: account.accountId, action: 'registration.resent' });
      expect(audit).to.have.length(1);
      expect(audit[0]).to.include({ partner_id: partner.partnerId, actor_id: partner.userId });

      const dashboard = await agent.get(res.headers.location).expect(200);
      expect(flashOf(dashboard.text)).to.match(new RegExp(`^A new registration email is on its way to ${account.email.replace(/\./g, '\\.')}\\. Its link works until .+; the previous link no longer works\\.$`));

      // The customer's side: the old link no longer works, the new one starts registration.
      const customer = (await import('supertest')).default.agent(t.app);
      const old = await customer.get(oldLink);
      expect(old.status).not.to.equal(303);
      expect(old.text).to.include('This registration link no longer works');
      const fresh = await customer.get(newLink).expect(303);
      expect(fresh.headers.location).to.match(/^\/register\/[^/]+\/(account|computer)$/);
    });

    it('turns "Registration link expired" back into "Pending registration"', async () => {
      const account = await purchaseFor(partner, { customerName: 'Lumen Print' });
      await testDatabase().db('registration_invitations').where({ customer_account_id: account.accountId }).update({ expires_at: new Date(Date.now() - DAY) });
      expect(summaryOf((await agent.get(paths.partner.account(account.accountId))).text).Status).to.equal('Registration link expired');
      await submitForm(agent, paths.partner.account(account.accountId), {}, paths.partner.resendRegistration(account.accountId));
      expect(summaryOf((await agent.get(paths.partner.account(account.accountId))).text).Status).to.equal('Pending registration');
    });

    it('sends nothing for an account the partner administers', async () => {
      const account = await purchaseFor(partner, { administrator: 'partner' });
      const { csrf } = await getForm(agent, paths.partner.newPurchase);
      const res = await agent.post(paths.partner.resendRegistration(account.accountId)).type('form').send({ _csrf: csrf }).expect(303);
      const page = await agent.get(res.headers.location).expect(200);
      expect(flashOf(page.text)).to.equal('This account has no registration to complete, so no email was sent.');
      expect(await testDatabase().db('outbox_emails').where({ customer_account_id: account.accountId })).to.have.length(0);
    });

    it('stops after 5 resends in an hour, with a message that says when the next one can go', async () => {
      const account = await purchaseFor(partner, { customerName: 'Quartz Health' });
      const { csrf } = await getForm(agent, paths.partner.newPurchase);
      for (let i = 0; i < 6; i += 1) {
        await agent.post(paths.partner.resendRegistration(account.accountId)).type('form').send({ _csrf: csrf }).expect(303);
      }
      expect(await testDatabase().db('outbox_emails').where({ customer_account_id: account.accountId })).to.have.length(6);
      const page = await agent.get(paths.partner.account(account.accountId)).expect(200);
      expect(flashOf(page.text)).to.match(/^This customer was sent several registration emails in the last hour\. You can send another in \d+ minutes\.$/);
    });

    it('refuses a resend without a CSRF token', async () => {
      const account = await purchaseFor(partner);
      await agent.post(paths.partner.resendRegistration(account.accountId)).type('form').send({}).expect(403);
      expect(await testDatabase().db('registration_invitations').where({ customer_account_id: account.accountId })).to.have.length(1);
    });
  });

  describe('Hand over administration to the customer', () => {
    it('asks to confirm the customer’s email, prefilled, and explains what happens', async () => {
      const account = await purchaseFor(partner, { customerName: 'Maple Realty', administrator: 'partner' });
      const res = await agent.get(paths.partner.handOver(account.accountId)).expect(200);
      expect(res.text).to.include('<h1>Hand over administration to the customer</h1>');
      expect(res.text).to.include('<label class="field__label" for="field-email">Customer email</label>');
      expect(res.text).to.include(`value="${account.email}"`);
      expect(res.text).to.include('Send the registration email');
    });

    for (const [what, email, message] of [
      ['an empty email', '', 'Enter the customer email address'],
      ['an email in the wrong format', 'maple at realty', 'Enter the customer email address in the correct format, like name@example.com'],
    ] as const) {
      it(`refuses ${what} with 422, the message, the value kept, and nothing changed`, async () => {
        const account = await purchaseFor(partner, { administrator: 'partner' });
        const res = await submitForm(agent, paths.partner.handOver(account.accountId), { email });
        expect(res.status).to.equal(422);
        expect(res.text).to.match(/<title>Error: Hand over administration to the customer/);
        expect(res.text).to.include(`<a href="#field-email">${message}</a>`);
        expect(res.text).to.include(`<span class="visually-hidden">Error:</span> ${message}</p>`);
        expect(res.text).to.include(`id="field-email" name="email" type="email" value="${email}"`);
        const row = await testDatabase().db('customer_accounts').where({ id: account.accountId }).first();
        expect(row).to.include({ administrator: 'partner', status: 'active', email: account.email });
        expect(await testDatabase().db('outbox_emails').where({ customer_account_id: account.accountId })).to.have.length(0);
      });
    }

    it('hands over: the confirmed email gets a registration email, the account becomes customer-managed and pending', async () => {
      const account = await purchaseFor(partner, { customerName: 'Pioneer Farms', administrator: 'partner' });
      const confirmed = uniqueEmail('owner');
      const res = await submitForm(agent, paths.partner.handOver(account.accountId), { email: `  ${confirmed}  ` });
      expect(res.status).to.equal(303);
      expect(res.headers.location).to.equal(paths.partner.account(account.accountId));
      const { db } = testDatabase();
      const row = await db('customer_accounts').where({ id: account.accountId }).first();
      expect(row).to.include({ administrator: 'customer', status: 'pending_registration', email: confirmed });
      const emails = await db('outbox_emails').where({ customer_account_id: account.accountId });
      expect(emails).to.have.length(1);
      expect(emails[0]).to.include({ recipient: confirmed, template: 'registration-invitation' });
      const audit = await db('audit_events').where({ customer_account_id: account.accountId, action: 'administration.handed_over' }).first();
      expect(audit.details).to.deep.equal({ email: confirmed, previousEmail: account.email });

      const dashboard = await agent.get(res.headers.location).expect(200);
      expect(flashOf(dashboard.text)).to.equal(`Administration handed over. A registration email is on its way to ${confirmed}.`);
      const s = summaryOf(dashboard.text);
      expect(s).to.include({ Status: 'Pending registration', 'Account administrator': 'Customer', 'Customer email': confirmed });
      expect(dashboard.text).to.include('Resend registration email');
      expect(dashboard.text).not.to.include('id="hand-over-title"');

      const customer = (await import('supertest')).default.agent(t.app);
      await customer.get(new URL(await latestRegistrationUrl(account.accountId)).pathname).expect(303);
    });

    it('does nothing more for an account the customer already administers', async () => {
      const account = await purchaseFor(partner);
      const page = await agent.get(paths.partner.handOver(account.accountId)).expect(303);
      expect(page.headers.location).to.equal(paths.partner.account(account.accountId));
      const res = await submitForm(agent, paths.partner.account(account.accountId), { email: uniqueEmail() }, paths.partner.handOver(account.accountId));
      expect(res.status).to.equal(303);
      const row = await testDatabase().db('customer_accounts').where({ id: account.accountId }).first();
      expect(row.email).to.equal(account.email);
      expect(await testDatabase().db('registration_invitations').where({ customer_account_id: account.accountId })).to.have.length(1);
      expect(flashOf((await agent.get(res.headers.location)).text)).to.equal('The customer already administers this account.');
    });
  });
});
