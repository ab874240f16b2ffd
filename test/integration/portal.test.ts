import { expect } from 'chai';
import supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, csrfTokenFrom, getForm, sessionIdFrom, signInPartner, submitForm, rewriteStoredSession, type TestApp, type TestPartner } from '../support/app.ts';
import { verifySecret } from '../../lib/auth/passwords.ts';
import { verifySecurityAnswer } from '../../models/customerUsers.ts';
import { recordBackup } from '../../models/installations.ts';
import {
  ANSWER_1,
  ANSWER_2,
  CUSTOMER_PASSWORD,
  installComputer,
  pathOf,
  questionIds,
  registeredCustomer,
  signInCustomer,
  type RegisteredCustomer,
} from '../support/customers.ts';

const db = () => testDatabase().db;

async function sessionsOf(userId: number): Promise<string[]> {
  const rows = await db()('session').whereRaw(`sess->'passport'->'user'->>'key' = ?`, [`customer:${userId}`]).select('sid');
  return rows.map((r) => r.sid);
}

describe('customer Portal: sign-in, sign-out and who reaches what', () => {
  let t: TestApp;
  let partner: TestPartner;
  let customer: RegisteredCustomer;

  before(async () => {
    t = buildTestApp();
    partner = await createTestPartner('Portal Access IT');
    customer = await registeredCustomer(partner);
  });
  after(() => t.close());

  it('shows its own sign-in form, with a way to reset a forgotten password', async () => {
    const res = await supertest(t.app).get(paths.portal.signIn).expect(200);
    expect(res.text).to.include('<h1>Sign in to your account</h1>');
    expect(res.text).to.include('<label class="field__label" for="field-email">Email address</label>');
    expect(res.text).to.include('<label class="field__label" for="field-password">Password</label>');
    expect(res.text).to.include(`href="${paths.portal.forgotPassword}"`);
    expect(res.headers['cache-control']).to.equal('no-store');
  });

  it('signs a customer in on a new session id, landing on the Portal', async () => {
    const agent = supertest.agent(t.app);
    const page = await agent.get(paths.portal.signIn).expect(200);
    const before = sessionIdFrom(page.headers['set-cookie']);
    const res = await agent
      .post(paths.portal.signIn)
      .type('form')
      .send({ email: customer.email.toUpperCase(), password: CUSTOMER_PASSWORD, _csrf: csrfTokenFrom(page.text) })
      .expect(303);
    expect(res.headers.location).to.equal(paths.portal.home);
    expect(sessionIdFrom(res.headers['set-cookie'])).to.be.a('string').and.not.equal(before);
    const home = await agent.get(paths.portal.home).expect(200);
    expect(home.text).to.include('Your Carbonite account');
    const audit = await db()('audit_events').where({ customer_account_id: customer.accountId, action: 'customer.signed_in' });
    expect(audit.length).to.be.at.least(1);
  });

  it('answers a wrong password or an unknown email with one generic message, keeping the email', async () => {
    const agent = supertest.agent(t.app);
    const wrong = await submitForm(agent, paths.portal.signIn, { email: customer.email, password: 'not my password at all' });
    expect(wrong.status).to.equal(422);
    expect(wrong.text).to.include('The email address or password is not right.');
    expect(wrong.text).to.include(`value="${customer.email}"`);
    const unknown = await submitForm(agent, paths.portal.signIn, { email: 'nobody.here@example.test', password: 'not my password at all' });
    expect(unknown.text).to.include('The email address or password is not right.');
    const empty = await submitForm(agent, paths.portal.signIn, { email: '', password: '' });
    expect(empty.text).to.include('<a href="#field-email">Enter your email address</a>');
    expect(empty.text).to.include('<a href="#field-password">Enter your password</a>');
  });

  it('pauses a customer account after five failures, like the partner sign-in', async function () {
    this.timeout(30_000);
    const victim = await registeredCustomer(partner);
    const agent = supertest.agent(t.app);
    for (let i = 0; i < 5; i += 1) {
      expect((await submitForm(agent, paths.portal.signIn, { email: victim.email, password: `wrong password ${i}` })).status).to.equal(422);
    }
    const paused = await submitForm(agent, paths.portal.signIn, { email: victim.email, password: CUSTOMER_PASSWORD });
    expect(paused.status).to.equal(422);
    expect(paused.text).to.match(/Sign-in for this email address is paused after 5 failed attempts/);
  });

  it('sends anyone not signed in to the customer sign-in, and back to the page afterwards', async () => {
    const res = await supertest(t.app).get(paths.portal.settings).expect(303);
    expect(res.headers.location).to.equal(`${paths.portal.signIn}?next=${encodeURIComponent(paths.portal.settings)}`);
    const agent = supertest.agent(t.app);
    const page = await agent.get(res.headers.location).expect(200);
    const signedIn = await agent
      .post(res.headers.location)
      .type('form')
      .send({ email: customer.email, password: CUSTOMER_PASSWORD, _csrf: csrfTokenFrom(page.text) })
      .expect(303);
    expect(signedIn.headers.location).to.equal(paths.portal.settings);
  });

  it('never follows a sign-in "next" to another site or out of the Portal', async () => {
    for (const next of ['//evil.example/portal', 'https://evil.example/', '/partner/accounts']) {
      const agent = supertest.agent(t.app);
      const url = `${paths.portal.signIn}?next=${encodeURIComponent(next)}`;
      const page = await agent.get(url).expect(200);
      const res = await agent.post(url).type('form').send({ email: customer.email, password: CUSTOMER_PASSWORD, _csrf: csrfTokenFrom(page.text) }).expect(303);
      expect(res.headers.location).to.equal(paths.portal.home);
    }
  });

  it('lets a customer session reach no partner page', async () => {
    const agent = await signInCustomer(t.app, customer.email);
    for (const url of [paths.partner.accounts, paths.partner.account(customer.accountId), paths.partner.newPurchase, paths.partner.activity]) {
      const res = await agent.get(url);
      expect(res.status, url).to.equal(303);
      expect(res.headers.location).to.match(/^\/partner\/sign-in/);
    }
  });

  it('lets a partner session reach no customer page', async () => {
    const agent = await signInPartner(t.app, partner);
    for (const url of [paths.portal.home, paths.portal.install, paths.portal.settings, paths.portal.changePassword, paths.portal.changeSecurityQuestions]) {
      const res = await agent.get(url);
      expect(res.status, url).to.equal(303);
      expect(res.headers.location).to.match(/^\/portal\/sign-in/);
    }
    const page = await agent.get(paths.partner.accounts).expect(200);
    const post = await agent.post(paths.portal.changePassword).type('form').send({ _csrf: csrfTokenFrom(page.text) });
    expect(post.status).to.equal(303);
    expect(post.headers.location).to.match(/^\/portal\/sign-in/);
  });

  it('signs out with a POST that destroys the session in the store', async () => {
    const user = await registeredCustomer(partner);
    const agent = await signInCustomer(t.app, user.email);
    const [sid] = await sessionsOf(user.userId);
    expect(sid).to.be.a('string');
    const home = await agent.get(paths.portal.home).expect(200);
    const res = await agent.post(paths.portal.signOut).type('form').send({ _csrf: csrfTokenFrom(home.text) }).expect(303);
    expect(res.headers.location).to.equal(`${paths.portal.signIn}?signed-out`);
    expect(await sessionsOf(user.userId)).to.have.length(0);
    const signIn = await agent.get(res.headers.location).expect(200);
    expect(signIn.text).to.include('You have signed out.');
    await agent.get(paths.portal.home).expect(303);
  });

  it('ends an idle customer session like a partner one', async () => {
    const user = await registeredCustomer(partner);
    const agent = await signInCustomer(t.app, user.email);
    await agent.get(paths.portal.home).expect(200);
    const rows = await db()('session').whereIn('sid', await sessionsOf(user.userId)).select('sid', 'sess');
    for (const row of rows) {
      await rewriteStoredSession(row.sid, { ...row.sess, lastSeenAt: Date.now() - 31 * 60_000 });
    }
    const res = await agent.get(paths.portal.home).expect(303);
    expect(res.headers.location).to.match(/^\/portal\/sign-in/);
  });
});

describe('customer Portal: home, Backup Dashboard and Install', () => {
  let t: TestApp;
  let partner: TestPartner;

  before(async () => {
    t = buildTestApp();
    partner = await createTestPartner('Portal Pages IT');
  });
  after(() => t.close());

  it('shows a Safe customer the subscription and a computer not installed yet, with the way to install', async () => {
    const customer = await registeredCustomer(partner, { planId: 'safe-plus', termYears: 2 });
    const agent = await signInCustomer(t.app, customer.email);
    const home = await agent.get(paths.portal.home).expect(200);
    const ends = await db()('subscriptions').where({ id: customer.subscriptionId }).first('ends_on');
    expect(home.text).to.include('<dd>Plus</dd>');
    expect(home.text).to.include('2 years');
    expect(home.text).to.include('Renewal date');
    expect(home.text).to.include(new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${ends.ends_on}T00:00:00Z`)));
    expect(home.text).to.include('is not installed on your computer yet');
    expect(home.text).to.include(`href="${paths.portal.install}"`);
  });

  it('shows a Safe customer their computer: name, serial number and last backup in plain words', async () => {
    const customer = await registeredCustomer(partner);
    const activation = await installComputer(customer, 'Home-Laptop');
    await recordBackup(db(), activation.deviceToken, { completedAt: new Date(Date.now() - 2 * 3_600_000), bytes: 1000, files: 10 });
    const agent = await signInCustomer(t.app, customer.email);
    const home = await agent.get(paths.portal.home).expect(200);
    expect(home.text).to.include('Home-Laptop');
    expect(home.text).to.include(activation.serialNumber);
    expect(home.text).to.include('Backed up 2 hours ago');
    expect(home.text).to.include('Up to date');
    expect(home.text).to.include('aria-current="page">Home</a>');
  });

  it('shows a Safe Backup Pro customer the Backup Dashboard: computers, last backups, states, used of allowed, subscription', async () => {
    const customer = await registeredCustomer(partner, { productId: 'safe-backup-pro', planId: 'sbp-power', computers: 5 });
    const fresh = await installComputer(customer, 'Front-Desk');
    const stale = await installComputer(customer, 'Back-Office', 'mac');
    await installComputer(customer, 'New-Laptop');
    await recordBackup(db(), fresh.deviceToken, { completedAt: new Date(Date.now() - 30 * 60_000), bytes: 1, files: 1 });
    await recordBackup(db(), stale.deviceToken, { completedAt: new Date(Date.now() - 5 * 86_400_000), bytes: 1, files: 1 });
    const agent = await signInCustomer(t.app, customer.email);
    const dashboard = await agent.get(paths.portal.home).expect(200);
    expect(dashboard.text).to.include('<h1>Backup Dashboard</h1>');
    expect(dashboard.text).to.include('3 of 5 computers used');
    expect(dashboard.text).to.include('Front-Desk').and.to.include('Back-Office').and.to.include('New-Laptop');
    expect(dashboard.text).to.include('Backed up 30 minutes ago');
    expect(dashboard.text).to.include('Backed up 5 days ago');
    expect(dashboard.text).to.include('Overdue');
    expect(dashboard.text).to.include('Waiting for first backup');
    expect(dashboard.text).to.include('<dd>Power</dd>');
    expect(dashboard.text).to.include(stale.serialNumber);
    expect(dashboard.text).to.include('aria-current="page">Backup Dashboard</a>');
    const settings = await agent.get(paths.portal.settings).expect(200);
    expect(settings.text).to.include(`<a class="tabs__tab" href="${paths.portal.home}">Backup Dashboard</a>`);
  });

  it('calls a backup overdue exactly when the partner’s Dashboard warns about it', async () => {
    const customer = await registeredCustomer(partner);
    const activation = await installComputer(customer, 'Quiet-PC');
    await recordBackup(db(), activation.deviceToken, { completedAt: new Date(Date.now() - 50 * 3_600_000), bytes: 1, files: 1 });
    const home = await (await signInCustomer(t.app, customer.email)).get(paths.portal.home).expect(200);
    expect(home.text).to.include('Overdue').and.not.to.include('Up to date');
    const dashboard = await (await signInPartner(t.app, partner)).get(paths.partner.account(customer.accountId)).expect(200);
    expect(dashboard.text).to.include('No backup for 2 days');
  });

  it('shows only the signed-in customer’s own computers', async () => {
    const mine = await registeredCustomer(partner, { productId: 'safe-backup-pro', planId: 'sbp-core', computers: 2 });
    const theirs = await registeredCustomer(partner, { productId: 'safe-backup-pro', planId: 'sbp-core', computers: 2 });
    await installComputer(theirs, 'Not-Mine-PC');
    const agent = await signInCustomer(t.app, mine.email);
    const dashboard = await agent.get(paths.portal.home).expect(200);
    expect(dashboard.text).not.to.include('Not-Mine-PC');
    expect(dashboard.text).not.to.include(theirs.keyCode);
  });

  it('shows Install Carbonite with the steps for Windows and Mac, the download links and the key code', async () => {
    const customer = await registeredCustomer(partner);
    const agent = await signInCustomer(t.app, customer.email);
    const page = await agent.get(paths.portal.install).expect(200);
    expect(page.text).to.include('<h1>Install Carbonite</h1>');
    expect(page.text).to.include('Install on Windows').and.to.include('Install on a Mac');
    expect(page.text).to.include(t.config.downloadUrlWindows).and.to.include(t.config.downloadUrlMac);
    expect(page.text).to.include(customer.keyCode);
    expect(page.text).to.include(`href="${paths.portal.install}" aria-current="page"`);
  });
});

describe('customer Portal: settings', () => {
  let t: TestApp;
  let partner: TestPartner;

  before(async () => {
    t = buildTestApp();
    partner = await createTestPartner('Portal Settings IT');
  });
  after(() => t.close());

  it('shows the email and the ways to change the password and the security questions', async () => {
    const customer = await registeredCustomer(partner);
    const agent = await signInCustomer(t.app, customer.email);
    const page = await agent.get(paths.portal.settings).expect(200);
    expect(page.text).to.include(customer.email);
    expect(page.text).to.include(`href="${paths.portal.changePassword}"`);
    expect(page.text).to.include(`href="${paths.portal.changeSecurityQuestions}"`);
  });

  it('changes the password only with the current one, ending the customer’s other sessions and renewing this one', async function () {
    this.timeout(20_000);
    const customer = await registeredCustomer(partner);
    const other = await signInCustomer(t.app, customer.email);
    await other.get(paths.portal.home).expect(200);
    const agent = await signInCustomer(t.app, customer.email);
    expect(await sessionsOf(customer.userId)).to.have.length(2);

    const empty = await submitForm(agent, paths.portal.changePassword, {});
    expect(empty.status).to.equal(422);
    expect(empty.text).to.include('<a href="#field-currentPassword">Enter your current password</a>');
    expect(empty.text).to.include('<a href="#field-password">Enter a password</a>');

    const newPassword = 'seven quiet owls at noon';
    const wrong = await submitForm(agent, paths.portal.changePassword, { currentPassword: 'not it at all!', password: newPassword, confirmPassword: newPassword });
    expect(wrong.status).to.equal(422);
    expect(wrong.text).to.include('Your current password is not right');
    expect(wrong.text).not.to.include(newPassword);

    const weak = await submitForm(agent, paths.portal.changePassword, { currentPassword: CUSTOMER_PASSWORD, password: 'qwerty123456', confirmPassword: 'qwerty123456' });
    expect(weak.text).to.include('This password is too common or easy to guess');

    const page = await agent.get(paths.portal.changePassword).expect(200);
    const res = await agent
      .post(paths.portal.changePassword)
      .type('form')
      .send({ currentPassword: CUSTOMER_PASSWORD, password: newPassword, confirmPassword: newPassword, _csrf: csrfTokenFrom(page.text) })
      .expect(303);
    expect(res.headers.location).to.equal(paths.portal.settings);
    const sessions = await sessionsOf(customer.userId);
    expect(sessions).to.deep.equal([sessionIdFrom(res.headers['set-cookie'])]);
    const settings = await agent.get(paths.portal.settings).expect(200);
    expect(settings.text).to.include('Your password has been changed. You have been signed out everywhere else.');
    await other.get(paths.portal.home).expect(303);

    const user = await db()('customer_users').where({ id: customer.userId }).first();
    expect(await verifySecret(newPassword, user.password_hash)).to.equal(true);
    await signInCustomer(t.app, customer.email, newPassword);
  });

  it('pauses current-password guessing from a signed-in session', async function () {
    this.timeout(20_000);
    const customer = await registeredCustomer(partner);
    const agent = await signInCustomer(t.app, customer.email);
    const { csrf } = await getForm(agent, paths.portal.changePassword);
    const fields = { password: 'seven quiet owls at noon', confirmPassword: 'seven quiet owls at noon', _csrf: csrf };
    for (let i = 0; i < 5; i += 1) {
      const res = await agent.post(paths.portal.changePassword).type('form').send({ ...fields, currentPassword: `guess number ${i}` });
      expect(res.status).to.equal(422);
    }
    const paused = await agent.post(paths.portal.changePassword).type('form').send({ ...fields, currentPassword: CUSTOMER_PASSWORD });
    expect(paused.status).to.equal(429);
    expect(paused.text).to.match(/Too many wrong passwords\. Try again in \d+ minutes?/);
  });

  it('changes the security questions only with the password, keeping the answers normalised and hashed', async function () {
    this.timeout(20_000);
    const customer = await registeredCustomer(partner);
    const agent = await signInCustomer(t.app, customer.email);
    const ids = await questionIds();
    const form = await agent.get(paths.portal.changeSecurityQuestions).expect(200);
    expect(form.text).to.include(`<option value="${ids[0]}" selected>`);
    expect(form.text).not.to.include(ANSWER_1);

    const same = await submitForm(agent, paths.portal.changeSecurityQuestions, {
      securityQuestion1: String(ids[2]),
      securityAnswer1: 'Blue Sky Lane',
      securityQuestion2: String(ids[2]),
      securityAnswer2: 'Moby',
      currentPassword: CUSTOMER_PASSWORD,
    });
    expect(same.status).to.equal(422);
    expect(same.text).to.include('Choose a security question 2 that is different from security question 1');
    expect(same.text).to.include('value="Blue Sky Lane"');

    const fields = { securityQuestion1: String(ids[2]), securityAnswer1: 'Blue Sky Lane', securityQuestion2: String(ids[3]), securityAnswer2: 'Moby' };
    const noPassword = await submitForm(agent, paths.portal.changeSecurityQuestions, fields);
    expect(noPassword.text).to.include('Enter your current password');
    const wrongPassword = await submitForm(agent, paths.portal.changeSecurityQuestions, { ...fields, currentPassword: 'this is not it' });
    expect(wrongPassword.status).to.equal(422);
    expect(wrongPassword.text).to.include('Your current password is not right');
    let user = await db()('customer_users').where({ id: customer.userId }).first();
    expect(user.security_question_1_id).to.equal(ids[0]);

    const ok = await submitForm(agent, paths.portal.changeSecurityQuestions, { ...fields, currentPassword: CUSTOMER_PASSWORD });
    expect(ok.status).to.equal(303);
    user = await db()('customer_users').where({ id: customer.userId }).first();
    expect(user).to.include({ security_question_1_id: ids[2], security_question_2_id: ids[3] });
    expect(await verifySecurityAnswer('blue sky  lane', user.security_answer_1_hash)).to.equal(true);
    expect(await verifySecurityAnswer(ANSWER_2, user.security_answer_2_hash)).to.equal(false);
  });
});

describe('customer Portal: forgot password', () => {
  let t: TestApp;
  let partner: TestPartner;

  before(async () => {
    // Each request comes from its own address, so only the per-email limit applies here.
    t = buildTestApp({ TRUST_PROXY: 'true' });
    partner = await createTestPartner('Portal Reset IT');
  });
  after(() => t.close());

  async function resetEmails(email: string) {
    return db()('outbox_emails').where({ template: 'password-reset' }).whereRaw('lower(recipient) = lower(?)', [email]).orderBy('id');
  }

  let addresses = 0;
  async function askForReset(email: string, address = `198.51.100.${(addresses += 1) % 250}`): Promise<supertest.Response> {
    const agent = supertest.agent(t.app);
    const { csrf } = await getForm(agent, paths.portal.forgotPassword);
    return agent.post(paths.portal.forgotPassword).set('X-Forwarded-For', address).type('form').send({ email, _csrf: csrf });
  }

  async function resetLink(customer: RegisteredCustomer): Promise<string> {
    expect((await askForReset(customer.email)).status).to.equal(303);
    const emails = await resetEmails(customer.email);
    return pathOf(emails[emails.length - 1].data.resetUrl);
  }

  // The answer to whichever of the two questions the reset asks.
  async function rightAnswer(html: string): Promise<string> {
    const [first] = await db()('security_questions').orderBy('sort_order').select('text');
    return html.includes(first.text) ? ANSWER_1 : ANSWER_2;
  }

  it('answers the same for an address with an account and one without, emailing only the first', async () => {
    const customer = await registeredCustomer(partner);
    const known = await askForReset(customer.email.toUpperCase());
    const unknown = await askForReset('no.such.customer@example.test');
    expect(known.status).to.equal(303);
    expect(unknown.status).to.equal(303);
    expect(known.headers.location).to.equal(unknown.headers.location);
    const pageKnown = await supertest(t.app).get(known.headers.location).expect(200);
    const pageUnknown = await supertest(t.app).get(unknown.headers.location).expect(200);
    const main = (html: string) => html.slice(html.indexOf('<main'), html.indexOf('</main>'));
    expect(main(pageKnown.text)).to.equal(main(pageUnknown.text));
    expect(pageKnown.text).to.include('Check your email');

    const [email] = await resetEmails(customer.email);
    expect(email.recipient).to.equal(customer.email);
    expect(email.data).to.have.keys('name', 'resetUrl', 'expiresAt');
    expect(email.data.name).to.equal('Jordan Customer');
    expect(email.data.resetUrl).to.match(/\/portal\/reset-password\/[A-Za-z0-9_-]{43}$/);
    const minutes = (new Date(email.data.expiresAt).getTime() - Date.now()) / 60_000;
    expect(minutes).to.be.within(58, 61);
    expect(await resetEmails('no.such.customer@example.test')).to.have.length(0);
  });

  it('asks for a well-formed email address', async () => {
    const res = await askForReset('not an email');
    expect(res.status).to.equal(422);
    expect(res.text).to.include('Enter the email address in the correct format');
    expect(res.text).to.include('value="not an email"');
  });

  it('asks one of the customer’s security questions after the emailed link, refuses a wrong answer, then takes a new password', async function () {
    this.timeout(30_000);
    const customer = await registeredCustomer(partner);
    const signedIn = await signInCustomer(t.app, customer.email);
    const link = await resetLink(customer);
    const agent = supertest.agent(t.app);

    const question = await agent.get(link).expect(200);
    expect(question.text).to.include('<h1>Answer your security question</h1>');
    const answer = await rightAnswer(question.text);

    // Skipping the question is not possible: the first POST is always the answer.
    const skipped = await submitForm(agent, link, { password: 'seven quiet owls at noon', confirmPassword: 'seven quiet owls at noon' });
    expect(skipped.status).to.equal(422);
    expect(skipped.text).to.include('Enter your answer');

    const wrong = await submitForm(agent, link, { answer: 'definitely wrong' });
    expect(wrong.status).to.equal(422);
    expect(wrong.text).to.include('That answer is not right');

    const right = await submitForm(agent, link, { answer: `  ${answer.toUpperCase()} ` });
    expect(right.status).to.equal(303);
    expect(right.headers.location).to.equal(link);
    const form = await agent.get(link).expect(200);
    expect(form.text).to.include('<h1>Choose a new password</h1>');
    expect(form.text).to.include('<label class="field__label" for="field-password">New password</label>');

    const weak = await submitForm(agent, link, { password: 'short', confirmPassword: 'short' });
    expect(weak.status).to.equal(422);
    expect(weak.text).to.include('Password must be at least 12 characters');

    const newPassword = 'seven quiet owls at noon';
    const done = await submitForm(agent, link, { password: newPassword, confirmPassword: newPassword });
    expect(done.status).to.equal(303);
    expect(done.headers.location).to.equal(paths.portal.signIn);
    const signInPage = await agent.get(paths.portal.signIn).expect(200);
    expect(signInPage.text).to.include('Your password has been changed. Sign in with your new password.');

    // Every session of the customer ended; the old password is gone; the link is spent.
    expect(await sessionsOf(customer.userId)).to.have.length(0);
    await signedIn.get(paths.portal.home).expect(303);
    const old = await submitForm(supertest.agent(t.app), paths.portal.signIn, { email: customer.email, password: CUSTOMER_PASSWORD });
    expect(old.status).to.equal(422);
    await signInCustomer(t.app, customer.email, newPassword);
    const again = await supertest(t.app).get(link).expect(404);
    expect(again.text).to.include('This password reset link no longer works');
    const audit = await db()('audit_events').where({ customer_account_id: customer.accountId, action: 'customer.password_reset' });
    expect(audit).to.have.length(1);
  });

  it('keeps the answered question to the session that answered it', async function () {
    this.timeout(20_000);
    const customer = await registeredCustomer(partner);
    const link = await resetLink(customer);
    const owner = supertest.agent(t.app);
    const question = await owner.get(link).expect(200);
    expect((await submitForm(owner, link, { answer: await rightAnswer(question.text) })).status).to.equal(303);
    const stranger = supertest.agent(t.app);
    const page = await stranger.get(link).expect(200);
    expect(page.text).to.include('Answer your security question');
  });

  it('spends the link after five wrong answers', async function () {
    this.timeout(20_000);
    const customer = await registeredCustomer(partner);
    const link = await resetLink(customer);
    const agent = supertest.agent(t.app);
    for (let i = 0; i < 4; i += 1) {
      expect((await submitForm(agent, link, { answer: `wrong ${i}` })).status).to.equal(422);
    }
    const fifth = await submitForm(agent, link, { answer: 'wrong again' });
    expect(fifth.status).to.equal(404);
    expect(fifth.text).to.include('wrong too many times');
    const after = await agent.get(link).expect(404);
    expect(after.text).to.include('This password reset link no longer works');
  });

  it('says an expired link has expired and offers a new one', async () => {
    const customer = await registeredCustomer(partner);
    const link = await resetLink(customer);
    await db()('password_resets')
      .whereIn('customer_user_id', [customer.userId])
      .update({ expires_at: db().raw(`now() - interval '1 minute'`) });
    const res = await supertest(t.app).get(link).expect(410);
    expect(res.text).to.include('This password reset link has expired');
    expect(res.text).to.include(`href="${paths.portal.forgotPassword}"`);
    expect(res.text).not.to.include(customer.email);
  });

  it('keeps only the newest link working', async () => {
    const customer = await registeredCustomer(partner);
    const first = await resetLink(customer);
    const second = await resetLink(customer);
    await supertest(t.app).get(first).expect(404);
    await supertest(t.app).get(second).expect(200);
  });

  it('answers an unknown or malformed reset link with the same page, and pauses an address that keeps guessing', async () => {
    for (const token of ['B'.repeat(43), 'nope']) {
      const res = await supertest(t.app).get(paths.portal.resetPassword(token)).set('X-Forwarded-For', '203.0.113.90').expect(404);
      expect(res.text).to.include('This password reset link no longer works');
    }
    const misses = await db()('rate_limit_hits').where({ bucket: 'unknown-link-address', key: '203.0.113.90' });
    expect(misses).to.have.length(2);
    await db()('rate_limit_hits').insert(Array.from({ length: 48 }, () => ({ bucket: 'unknown-link-address', key: '203.0.113.90' })));
    const paused = await supertest(t.app).get(paths.portal.resetPassword('B'.repeat(43))).set('X-Forwarded-For', '203.0.113.90');
    expect(paused.status).to.equal(429);
  });

  it('limits reset emails per email address and per network address, answering the same', async () => {
    const customer = await registeredCustomer(partner);
    for (let i = 0; i < 4; i += 1) expect((await askForReset(customer.email)).status).to.equal(303);
    expect(await resetEmails(customer.email)).to.have.length(3);

    const others = await Promise.all([0, 1].map(() => registeredCustomer(partner)));
    for (let i = 0; i < 30; i += 1) await askForReset(`someone.${i}@example.test`, '203.0.113.200');
    const limited = await askForReset(others[0].email, '203.0.113.200');
    expect(limited.status).to.equal(303);
    expect(await resetEmails(others[0].email)).to.have.length(0);
    await askForReset(others[1].email, '203.0.113.201');
    expect(await resetEmails(others[1].email)).to.have.length(1);
  });
});
