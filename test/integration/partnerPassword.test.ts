// Issue 14, items 8 and 7 (the partner half): partner users change their own password in
// Settings (current password required and throttled; their other sessions end) and reset a
// forgotten one by an emailed link (the customer's token rules, throttles and wording).
import { expect } from 'chai';
import supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, csrfTokenFrom, getForm, sessionIdFrom, signInPartner, submitForm, type TestApp, type TestPartner } from '../support/app.ts';
import { RATE_LIMITS } from '../../models/rateLimits.ts';

const db = () => testDatabase().db;
const NEW_PASSWORD = 'seven quiet owls at noon';

async function sessionsOf(userId: number): Promise<string[]> {
  const rows = await db()('session').whereRaw(`sess->'passport'->'user'->>'key' = ?`, [`partner:${userId}`]).select('sid');
  return rows.map((r) => r.sid);
}

async function signInStatus(app: TestApp['app'], email: string, password: string): Promise<number> {
  return (await submitForm(supertest.agent(app), paths.partner.signIn, { email, password })).status;
}

describe('partner Settings: change your password', () => {
  let t: TestApp;

  before(() => {
    t = buildTestApp();
  });
  after(() => t.close());

  it('is reachable from a Settings tab in the partner header, with Change your password', async () => {
    const partner = await createTestPartner('Settings Tab IT');
    const agent = await signInPartner(t.app, partner);
    const accounts = await agent.get(paths.partner.accounts).expect(200);
    expect(accounts.text).to.include(`<a class="tabs__tab" href="${paths.partner.settings}">Settings</a>`);
    const settings = await agent.get(paths.partner.settings).expect(200);
    expect(settings.text).to.include(`<a href="${paths.partner.changePassword}">Change your password</a>`);
    const form = await agent.get(paths.partner.changePassword).expect(200);
    for (const field of ['currentPassword', 'password', 'confirmPassword']) expect(form.text).to.match(new RegExp(`<label[^>]* for="field-${field}"`));
  });

  it('refuses a missing or wrong current password with 422, keeping no password in the page', async function () {
    this.timeout(20_000);
    const partner = await createTestPartner('Wrong Current IT');
    const agent = await signInPartner(t.app, partner);
    const empty = await submitForm(agent, paths.partner.changePassword, {});
    expect(empty.status).to.equal(422);
    expect(empty.text).to.match(/<title>Error: Change your password/);
    expect(empty.text).to.include('<a href="#field-currentPassword">Enter your current password</a>');
    const wrong = await submitForm(agent, paths.partner.changePassword, { currentPassword: 'not it at all!', password: NEW_PASSWORD, confirmPassword: NEW_PASSWORD });
    expect(wrong.status).to.equal(422);
    expect(wrong.text).to.include('Your current password is not right');
    expect(wrong.text).not.to.include(NEW_PASSWORD);
    expect(await signInStatus(t.app, partner.email, partner.password)).to.equal(303);
  });

  it('answers 429 once the wrong current passwords reach the limit, even for the right one', async function () {
    this.timeout(30_000);
    const partner = await createTestPartner('Throttled Current IT');
    const agent = await signInPartner(t.app, partner);
    const { csrf } = await getForm(agent, paths.partner.changePassword);
    const fields = { password: NEW_PASSWORD, confirmPassword: NEW_PASSWORD, _csrf: csrf };
    for (let i = 0; i < RATE_LIMITS['partner-current-password'].max; i += 1) {
      expect((await agent.post(paths.partner.changePassword).type('form').send({ ...fields, currentPassword: `guess number ${i}` })).status).to.equal(422);
    }
    const paused = await agent.post(paths.partner.changePassword).type('form').send({ ...fields, currentPassword: partner.password });
    expect(paused.status).to.equal(429);
    expect(paused.text).to.match(/Too many wrong passwords\. Try again in \d+ minutes?/);
    expect(await signInStatus(t.app, partner.email, partner.password)).to.equal(303);
  });

  it('checks no more than the limit of 50 parallel wrong current passwords', async function () {
    this.timeout(30_000);
    const partner = await createTestPartner('Parallel Current IT');
    const agent = await signInPartner(t.app, partner);
    const { csrf } = await getForm(agent, paths.partner.changePassword);
    const fields = { password: NEW_PASSWORD, confirmPassword: NEW_PASSWORD, _csrf: csrf };
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => agent.post(paths.partner.changePassword).type('form').send({ ...fields, currentPassword: `guess number ${i}` })),
    );
    const max = RATE_LIMITS['partner-current-password'].max;
    expect(answers.filter((r) => r.status === 422)).to.have.length(max);
    expect(answers.filter((r) => r.status === 429)).to.have.length(50 - max);
  });

  it('changes the password, ends the user’s other sessions, keeps this one on a new id, and records it in Activity', async function () {
    this.timeout(30_000);
    const partner = await createTestPartner('Change Password IT');
    const other = await signInPartner(t.app, partner);
    await other.get(paths.partner.accounts).expect(200);
    const agent = await signInPartner(t.app, partner);
    expect(await sessionsOf(partner.userId)).to.have.length(2);

    const page = await agent.get(paths.partner.changePassword).expect(200);
    const res = await agent
      .post(paths.partner.changePassword)
      .type('form')
      .send({ currentPassword: partner.password, password: NEW_PASSWORD, confirmPassword: NEW_PASSWORD, _csrf: csrfTokenFrom(page.text) })
      .expect(303);
    expect(res.headers.location).to.equal(paths.partner.settings);
    expect(await sessionsOf(partner.userId)).to.deep.equal([sessionIdFrom(res.headers['set-cookie'])]);
    const settings = await agent.get(paths.partner.settings).expect(200);
    expect(settings.text).to.include('Your password has been changed. You have been signed out everywhere else.');
    const signedOut = await other.get(paths.partner.accounts).expect(303);
    expect(signedOut.headers.location).to.match(/^\/partner\/sign-in/);

    expect(await signInStatus(t.app, partner.email, partner.password)).to.equal(422);
    expect(await signInStatus(t.app, partner.email, NEW_PASSWORD)).to.equal(303);
    const activity = await agent.get(paths.partner.activity).expect(200);
    expect(activity.text).to.include('Changed their password (signed out everywhere else)');
  });
});

describe('partner sign-in: Forgot your password?', () => {
  let t: TestApp;

  before(() => {
    t = buildTestApp();
  });
  after(() => t.close());

  async function resetEmails(email: string) {
    return db()('outbox_emails').where({ template: 'password-reset' }).whereRaw('lower(recipient) = lower(?)', [email]).orderBy('id');
  }

  async function askForLink(email: string) {
    return submitForm(supertest.agent(t.app), paths.partner.forgotPassword, { email });
  }

  async function resetLink(partner: TestPartner): Promise<string> {
    await askForLink(partner.email);
    const emails = await resetEmails(partner.email);
    return new URL(emails[emails.length - 1].data.resetUrl).pathname;
  }

  async function chooseNewPassword(agent: supertest.Agent, link: string, password = NEW_PASSWORD) {
    const page = await agent.get(link).expect(200);
    return agent.post(link).type('form').send({ password, confirmPassword: password, _csrf: csrfTokenFrom(page.text) });
  }

  it('is linked from the partner sign-in page', async () => {
    const res = await supertest(t.app).get(paths.partner.signIn).expect(200);
    expect(res.text).to.include(`<a href="${paths.partner.forgotPassword}">Forgot your password?</a>`);
    const form = await supertest(t.app).get(paths.partner.forgotPassword).expect(200);
    expect(form.text).to.match(/<label[^>]* for="field-email"/);
    expect(form.text).to.include(`href="${paths.partner.signIn}"`);
  });

  it('answers the same for a partner user’s address and an unknown one, emailing only the first a link of an hour', async () => {
    const partner = await createTestPartner('Forgot Known IT');
    const known = await askForLink(partner.email);
    const unknown = await askForLink('no.such.partner@example.test');
    expect(known.status).to.equal(303);
    expect(unknown.status).to.equal(303);
    expect(known.headers.location).to.equal(`${paths.partner.forgotPassword}?sent`);
    expect(unknown.headers.location).to.equal(known.headers.location);
    const sent = await supertest(t.app).get(known.headers.location).expect(200);
    expect(sent.text).to.include('Check your email');

    const [email] = await resetEmails(partner.email);
    expect(email.data).to.have.keys('name', 'resetUrl', 'expiresAt');
    expect(email.data.resetUrl).to.match(/^http:\/\/localhost:3999\/partner\/reset-password\/[A-Za-z0-9_-]{43}$/);
    const minutes = (new Date(email.data.expiresAt).getTime() - Date.now()) / 60_000;
    expect(minutes).to.be.within(58, 60);
    // The user's own email: on no partner's mail pages.
    expect(email.partner_id).to.equal(null);
    expect(await resetEmails('no.such.partner@example.test')).to.have.length(0);
    const token = email.data.resetUrl.split('/').pop();
    const stored = await db()('partner_password_resets').whereIn('partner_user_id', [partner.userId]);
    expect(stored).to.have.length(1);
    expect(stored[0].token_hash).to.match(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.to.include(token);
  });

  it('asks for a well-formed email address with a 422', async () => {
    const res = await askForLink('not an address');
    expect(res.status).to.equal(422);
    expect(res.text).to.match(/<title>Error: Reset your password/);
    expect(res.text).to.include('value="not an address"');
  });

  it('queues no more reset emails for one address than the limit, answering the same', async () => {
    const partner = await createTestPartner('Forgot Throttle IT');
    const max = RATE_LIMITS['partner-password-reset-email'].max;
    for (let i = 0; i <= max; i += 1) expect((await askForLink(partner.email)).status).to.equal(303);
    expect(await resetEmails(partner.email)).to.have.length(max);
  });

  it('queues no more reset emails than the per-email limit for 50 parallel requests', async function () {
    this.timeout(30_000);
    const partner = await createTestPartner('Parallel Forgot IT');
    const agent = supertest.agent(t.app);
    const { csrf } = await getForm(agent, paths.partner.forgotPassword);
    await Promise.all(Array.from({ length: 50 }, () => agent.post(paths.partner.forgotPassword).type('form').send({ email: partner.email, _csrf: csrf }).expect(303)));
    const emails = await resetEmails(partner.email);
    expect(emails.length).to.be.greaterThan(0);
    expect(emails.length).to.be.at.most(RATE_LIMITS['partner-password-reset-email'].max);
  });

  it('takes a new password from the link once, ends every session of the user, then the new password signs in', async function () {
    this.timeout(30_000);
    const partner = await createTestPartner('Reset Works IT');
    const signedIn = await signInPartner(t.app, partner);
    await signedIn.get(paths.partner.accounts).expect(200);
    const link = await resetLink(partner);

    const visitor = supertest.agent(t.app);
    const page = await visitor.get(link).expect(200);
    expect(page.text).to.include('Choose a new password');
    const weak = await visitor.post(link).type('form').send({ password: 'short', confirmPassword: 'short', _csrf: csrfTokenFrom(page.text) });
    expect(weak.status).to.equal(422);
    expect(weak.text).to.match(/<title>Error: Choose a new password/);

    const done = await chooseNewPassword(visitor, link);
    expect(done.status).to.equal(303);
    expect(done.headers.location).to.equal(paths.partner.signIn);
    expect(await sessionsOf(partner.userId)).to.deep.equal([]);
    expect((await signedIn.get(paths.partner.accounts)).status).to.equal(303);
    const flash = await visitor.get(paths.partner.signIn).expect(200);
    expect(flash.text).to.include('Your password has been changed. Sign in with your new password.');

    expect(await signInStatus(t.app, partner.email, partner.password)).to.equal(422);
    const agent = await signInPartner(t.app, { email: partner.email, password: NEW_PASSWORD });
    const activity = await agent.get(paths.partner.activity).expect(200);
    expect(activity.text).to.include('Reset their password by emailed link (signed out everywhere)');
    expect(activity.text).to.include(`Password reset link emailed to ${partner.email}`);

    const again = await supertest(t.app).get(link).expect(404);
    expect(again.text).to.include('This password reset link no longer works');
    expect(again.text).to.include(`href="${paths.partner.forgotPassword}"`);
  });

  it('says an expired link has expired, and changes nothing with it', async () => {
    const partner = await createTestPartner('Reset Expired IT');
    const link = await resetLink(partner);
    const agent = supertest.agent(t.app);
    const page = await agent.get(link).expect(200);
    await db()('partner_password_resets').where({ partner_user_id: partner.userId }).update({ expires_at: db().raw(`now() - interval '1 minute'`) });
    const res = await agent.post(link).type('form').send({ password: NEW_PASSWORD, confirmPassword: NEW_PASSWORD, _csrf: csrfTokenFrom(page.text) }).expect(410);
    expect(res.text).to.include('This password reset link has expired');
    expect(res.text).to.include(`href="${paths.partner.forgotPassword}"`);
    expect(await signInStatus(t.app, partner.email, partner.password)).to.equal(303);
  });

  it('keeps only the newest link working', async () => {
    const partner = await createTestPartner('Reset Newest IT');
    const first = await resetLink(partner);
    const second = await resetLink(partner);
    expect(first).not.to.equal(second);
    await supertest(t.app).get(first).expect(404);
    await supertest(t.app).get(second).expect(200);
  });

  it('answers an unknown or malformed link with the page that says it no longer works', async () => {
    for (const token of ['B'.repeat(43), 'nope']) {
      const res = await supertest(t.app).get(paths.partner.resetPassword(token)).expect(404);
      expect(res.text).to.include('This password reset link no longer works');
    }
  });
});
