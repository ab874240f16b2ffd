// Issue 17, part 3: a partner user's own settings. Their name; their email address, changed
// only by the link sent to the new address (32 random bytes, SHA-256 stored, single use,
// expiring, newest only, through the outbox; the user's other sessions end); and which emails
// they want (order confirmations honoured when an order is placed). Each change in the Activity.
import crypto from 'node:crypto';
import { expect } from 'chai';
import supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, getForm, signInPartner, submitForm, type TestApp } from '../support/app.ts';
import { purchaseFor } from '../support/fixtures.ts';

const db = () => testDatabase().db;

async function auditActions(partnerId: number): Promise<string[]> {
  return (await db()('audit_events').where({ partner_id: partnerId }).orderBy('id').select('action')).map((r) => r.action);
}

async function newestLink(email: string): Promise<string> {
  const row = await db()('outbox_emails').where({ template: 'partner-email-change', recipient: email }).orderBy('id', 'desc').first('data');
  return new URL(row.data.confirmUrl).pathname;
}

async function signInStatus(app: TestApp['app'], email: string, password: string): Promise<number> {
  return (await submitForm(supertest.agent(app), paths.partner.signIn, { email, password })).status;
}

describe('partner Settings: name, email address and email choices', () => {
  let t: TestApp;

  before(() => {
    t = buildTestApp();
  });
  after(() => t.close());

  it('changes the name (422 with a message when empty), in the header and the Activity', async () => {
    const partner = await createTestPartner('Name Change IT');
    const agent = await signInPartner(t.app, partner);
    const settings = await agent.get(paths.partner.settings).expect(200);
    expect(settings.text).to.include(`<a href="${paths.partner.changeName}">Change your name</a>`);
    const empty = await submitForm(agent, paths.partner.changeName, { name: '  ' });
    expect(empty.status).to.equal(422);
    expect(empty.text).to.match(/<title>Error: Change your name/);
    expect(empty.text).to.include('<a href="#field-name">Enter your name</a>');
    const saved = await submitForm(agent, paths.partner.changeName, { name: 'Pat Renamed' });
    expect(saved.status).to.equal(303);
    expect(saved.headers.location).to.equal(paths.partner.settings);
    const after = await agent.get(paths.partner.settings).expect(200);
    expect(after.text).to.include('Your name has been changed.');
    expect(after.text).to.include('Pat Renamed');
    expect((await db()('partner_users').where({ id: partner.userId }).first('name')).name).to.equal('Pat Renamed');
    expect(await auditActions(partner.partnerId)).to.include('partner.name_changed');
  });

  it('refuses a new email address that is empty, malformed, the same, used by someone else, or sent with a wrong password', async function () {
    this.timeout(20_000);
    const partner = await createTestPartner('Email Refusals IT');
    const other = await createTestPartner('Someone Else IT');
    const agent = await signInPartner(t.app, partner);
    const cases: [Record<string, string>, string][] = [
      [{ email: '', password: partner.password }, 'Enter the new email address'],
      [{ email: 'not-an-address', password: partner.password }, 'Enter the new email address in the correct format'],
      [{ email: partner.email.toUpperCase(), password: partner.password }, 'This is already your email address'],
      [{ email: other.email, password: partner.password }, 'This email address is already used by a Partner Portal user'],
      [{ email: 'fresh.address@example.test', password: 'not my password at all' }, 'Your current password is not right'],
      [{ email: 'fresh.address@example.test' }, 'Enter your password'],
    ];
    for (const [fields, message] of cases) {
      const res = await submitForm(agent, paths.partner.changeEmail, fields);
      expect(res.status, message).to.equal(422);
      expect(res.text).to.match(/<title>Error: Change your email address/);
      expect(res.text).to.include(message);
      expect(res.text).not.to.include(partner.password);
    }
    expect(await db()('partner_email_changes').where({ partner_user_id: partner.userId }).select('id')).to.deep.equal([]);
  });

  it('changes the email address only once the link sent to the new address is confirmed, ending the user’s other sessions', async function () {
    this.timeout(20_000);
    const partner = await createTestPartner('Email Change IT');
    const agent = await signInPartner(t.app, partner);
    const elsewhere = await signInPartner(t.app, partner);
    const newEmail = `moved.${Date.now()}@example.test`;
    const asked = await submitForm(agent, paths.partner.changeEmail, { email: newEmail, password: partner.password });
    expect(asked.status).to.equal(303);
    const settings = await agent.get(paths.partner.settings).expect(200);
    expect(settings.text).to.include(`We sent a link to ${newEmail}`);
    expect(settings.text).to.include(`Waiting for you to open the link sent to ${newEmail}`);
    // Nothing changed yet: the old address still signs in.
    expect((await db()('partner_users').where({ id: partner.userId }).first('email')).email).to.equal(partner.email);

    const link = await newestLink(newEmail);
    const token = decodeURIComponent(link.split('/').pop()!);
    expect(Buffer.from(token, 'base64url')).to.have.length(32);
    const stored = await db()('partner_email_changes').where({ partner_user_id: partner.userId }).first('token_hash');
    expect(stored.token_hash).to.equal(crypto.createHash('sha256').update(token).digest('hex'));

    // Opening the link changes nothing; its page's button does.
    const page = await agent.get(link).expect(200);
    expect(page.text).to.include('Confirm your new email address');
    expect((await db()('partner_users').where({ id: partner.userId }).first('email')).email).to.equal(partner.email);
    const confirmed = await submitForm(agent, link, {});
    expect(confirmed.status).to.equal(303);
    expect(confirmed.headers.location).to.equal(paths.partner.settings);
    const after = await agent.get(paths.partner.settings).expect(200);
    expect(after.text).to.include(`Your email address is now ${newEmail}`);
    expect((await db()('partner_users').where({ id: partner.userId }).first('email')).email).to.equal(newEmail);

    // The other session carried the old address: it ended.
    const other = await elsewhere.get(paths.partner.accounts);
    expect(other.status).to.equal(303);
    expect(other.headers.location).to.match(new RegExp(`^${paths.partner.signIn}`));
    // Single use.
    expect((await supertest(t.app).get(link)).status).to.equal(404);
    expect(await signInStatus(t.app, newEmail, partner.password)).to.equal(303);
    expect(await signInStatus(t.app, partner.email, partner.password)).to.equal(422);
    const actions = await auditActions(partner.partnerId);
    expect(actions).to.include.members(['partner.email_change_requested', 'partner.email_changed']);
  });

  it('lets only the newest link work, and an expired one answers 410', async function () {
    this.timeout(20_000);
    const partner = await createTestPartner('Newest Link IT');
    const agent = await signInPartner(t.app, partner);
    const first = `first.${Date.now()}@example.test`;
    const second = `second.${Date.now()}@example.test`;
    await submitForm(agent, paths.partner.changeEmail, { email: first, password: partner.password });
    const firstLink = await newestLink(first);
    await submitForm(agent, paths.partner.changeEmail, { email: second, password: partner.password });
    expect((await supertest(t.app).get(firstLink)).status).to.equal(404);
    const secondLink = await newestLink(second);
    await supertest(t.app).get(secondLink).expect(200);
    await db()('partner_email_changes').where({ partner_user_id: partner.userId }).update({ expires_at: new Date(Date.now() - 1000) });
    const expired = await supertest(t.app).get(secondLink);
    expect(expired.status).to.equal(410);
    expect(expired.text).to.include('This link has expired');
    expect((await db()('partner_users').where({ id: partner.userId }).first('email')).email).to.equal(partner.email);
  });

  it('confirms once when the link is submitted twice at once, from a browser not signed in', async function () {
    this.timeout(20_000);
    const partner = await createTestPartner('Twice Confirmed IT');
    const agent = await signInPartner(t.app, partner);
    const newEmail = `twice.${Date.now()}@example.test`;
    await submitForm(agent, paths.partner.changeEmail, { email: newEmail, password: partner.password });
    const link = await newestLink(newEmail);
    const browsers = [supertest.agent(t.app), supertest.agent(t.app)];
    const forms = await Promise.all(browsers.map((b) => getForm(b, link)));
    const answers = await Promise.all(browsers.map((b, i) => b.post(link).type('form').send({ _csrf: forms[i].csrf })));
    expect(answers.map((a) => a.status).sort()).to.deep.equal([303, 404]);
    expect(answers.find((a) => a.status === 303)!.headers.location).to.equal(paths.partner.signIn);
    expect((await auditActions(partner.partnerId)).filter((a) => a === 'partner.email_changed')).to.have.length(1);
  });

  it('keeps the email choices, and an order placed with order confirmations off queues no confirmation', async function () {
    this.timeout(20_000);
    const partner = await createTestPartner('Email Choices IT');
    const agent = await signInPartner(t.app, partner);
    const settings = await agent.get(paths.partner.settings).expect(200);
    expect(settings.text).to.match(/id="field-orderConfirmations"[^>]* checked/);
    expect(settings.text).to.match(/id="field-expiryReminders"[^>]* checked/);

    const before = await purchaseFor(partner, { administrator: 'partner' });
    const confirmation = (accountId: number) =>
      db()('outbox_emails as e')
        .where({ 'e.template': 'order-confirmation' })
        .whereRaw(`(e.data->>'orderNumber')::bigint IN (SELECT order_id FROM order_lines WHERE customer_account_id = ?)`, [accountId])
        .first('e.id');
    expect(await confirmation(before.accountId)).to.not.equal(undefined);

    const saved = await submitForm(agent, paths.partner.settings, { expiryReminders: 'yes' }, paths.partner.emailPreferences);
    expect(saved.status).to.equal(303);
    const after = await agent.get(paths.partner.settings).expect(200);
    expect(after.text).to.include('Your email choices have been saved.');
    expect(after.text).not.to.match(/id="field-orderConfirmations"[^>]* checked/);
    expect(after.text).to.match(/id="field-expiryReminders"[^>]* checked/);
    const row = await db()('partner_users').where({ id: partner.userId }).first('email_order_confirmations', 'email_expiry_reminders');
    expect(row).to.deep.equal({ email_order_confirmations: false, email_expiry_reminders: true });
    expect(await auditActions(partner.partnerId)).to.include('partner.email_preferences_changed');

    const later = await purchaseFor(partner, { administrator: 'partner' });
    expect(await confirmation(later.accountId)).to.equal(undefined);
  });
});
