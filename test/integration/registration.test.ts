import { expect } from 'chai';
import supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, csrfTokenFrom, getForm, sessionIdFrom, submitForm, testConfig, uniqueEmail, type TestApp, type TestPartner } from '../support/app.ts';
import { purchaseFor, type TestAccount } from '../support/fixtures.ts';
import { issueInvitation } from '../../models/registrationInvitations.ts';
import { verifySecurityAnswer } from '../../models/customerUsers.ts';
import { verifySecret } from '../../lib/auth/passwords.ts';
import { RATE_LIMITS, takePlace } from '../../models/rateLimits.ts';
import {
  ANSWER_1,
  CUSTOMER_PASSWORD,
  accountFields,
  installComputer,
  openLink,
  personalFields,
  questionIds,
  registeredCustomer,
  registrationPath,
} from '../support/customers.ts';

const db = () => testDatabase().db;

async function customerUsersOf(accountId: number) {
  return db()('customer_users').where({ customer_account_id: accountId }).select();
}

async function expireLinksOf(accountId: number) {
  await db()('registration_invitations')
    .where({ customer_account_id: accountId })
    .update({ expires_at: db().raw(`now() - interval '1 minute'`) });
}

// A link-state page must not name the account, its email or its partner.
function expectNothingAbout(html: string, account: TestAccount, partner: TestPartner) {
  expect(html).not.to.include(account.email);
  expect(html).not.to.include('Jordan Customer');
  expect(html).not.to.include(partner.company);
  expect(html).not.to.include(account.keyCode);
}

describe('registration wizard: the link', () => {
  let t: TestApp;
  let partner: TestPartner;

  before(async () => {
    t = buildTestApp();
    partner = await createTestPartner('Link State IT');
  });
  after(() => t.close());

  it('explains that an unknown or malformed link no longer works, revealing nothing', async () => {
    for (const token of ['A'.repeat(43), 'not-a-token', 'x'.repeat(300)]) {
      const res = await supertest(t.app).get(paths.registration.start(token));
      expect(res.status).to.equal(404);
      expect(res.text).to.include('This registration link no longer works');
      expect(res.text).to.include('newest');
    }
  });

  it('sends a usable Safe link with nothing installed straight to account information, dropping the token from the URL', async () => {
    const account = await purchaseFor(partner);
    const link = await registrationPath(account.accountId);
    const agent = supertest.agent(t.app);
    const { location, journeyId } = await openLink(agent, link);
    expect(location).to.equal(paths.registration.account(journeyId));
    expect(location).not.to.include(link.split('/').pop()!);
    const page = await agent.get(location).expect(200);
    expect(page.text).to.include('<h1>Create your account information</h1>');
    expect(page.text).to.include(`value="${account.email}"`);
    expect(page.text).to.match(/id="field-email"[^>]*disabled/);
    for (const [id, label] of [
      ['password', 'Password'],
      ['confirmPassword', 'Confirm password'],
      ['securityQuestion1', 'Security question 1'],
      ['securityAnswer1', 'Answer 1'],
      ['securityQuestion2', 'Security question 2'],
      ['securityAnswer2', 'Answer 2'],
    ]) {
      expect(page.text).to.include(`<label class="field__label" for="field-${id}">${label}</label>`);
    }
    expect(page.text).to.match(/<button type="submit" class="button">Submit<\/button>/);
    expect(page.headers['cache-control']).to.equal('no-store');
  });

  it('sends a Safe link with Carbonite installed to the serial number or computer name screen first', async () => {
    const account = await purchaseFor(partner);
    await installComputer(account, 'Kitchen-PC');
    const agent = supertest.agent(t.app);
    const { location, journeyId } = await openLink(agent, await registrationPath(account.accountId));
    expect(location).to.equal(paths.registration.computer(journeyId));
    const page = await agent.get(location).expect(200);
    expect(page.text).to.include('<label class="field__label" for="field-serialNumber">Serial number</label>');
    expect(page.text).to.include('<label class="field__label" for="field-computerName">Computer name</label>');
    expect(page.text).to.include('enter either the Carbonite serial number or the computer name');
    expect(page.text.match(/<details class="help">/g)).to.have.length(2);
    expect(page.text).to.include('On Windows:').and.to.include('On a Mac:');
    expect(page.text).to.include('>Submit</button>');
  });

  it('sends a Safe Backup Pro link to personal information, installed or not', async () => {
    const account = await purchaseFor(partner, { productId: 'safe-backup-pro', planId: 'sbp-core', computers: 3 });
    await installComputer(account, 'Reception');
    const agent = supertest.agent(t.app);
    const { location, journeyId } = await openLink(agent, await registrationPath(account.accountId));
    expect(location).to.equal(paths.registration.personal(journeyId));
    const page = await agent.get(location).expect(200);
    expect(page.text).to.include('<h1>Enter your personal information</h1>');
    for (const [id, label] of [
      ['firstName', 'First name'],
      ['lastName', 'Last name'],
      ['phone', 'Phone (optional)'],
    ]) {
      expect(page.text).to.include(`<label class="field__label" for="field-${id}">${label}</label>`);
    }
    expect(page.text).to.include('>Continue</button>');
  });

  it('explains that a link voided by a newer one no longer works, while the newer one does', async () => {
    const account = await purchaseFor(partner);
    const old = await registrationPath(account.accountId);
    await db().transaction((trx) => issueInvitation(trx, account.accountId, testConfig()));
    const res = await supertest(t.app).get(old).expect(404);
    expect(res.text).to.include('This registration link no longer works');
    expect(res.text).to.include('only the link in the newest email works');
    expectNothingAbout(res.text, account, partner);
    await openLink(supertest.agent(t.app), await registrationPath(account.accountId));
  });

  it('says an expired link has expired and offers "Send me a new link", which emails a fresh link to the invitation address', async () => {
    const account = await purchaseFor(partner);
    const old = await registrationPath(account.accountId);
    await expireLinksOf(account.accountId);
    const agent = supertest.agent(t.app);
    const page = await agent.get(old).expect(410);
    expect(page.text).to.include('This registration link has expired');
    expect(page.text).to.include('>Send me a new link</button>');
    expectNothingAbout(page.text, account, partner);

    const journey = /name="journey" value="([^"]+)"/.exec(page.text)![1];
    const sent = await agent.post(paths.registration.newLink).type('form').send({ journey, _csrf: csrfTokenFrom(page.text) }).expect(303);
    expect(sent.headers.location).to.equal(paths.registration.newLink);
    const answer = await agent.get(paths.registration.newLink).expect(200);
    expect(answer.text).to.include('Check your email');
    expectNothingAbout(answer.text, account, partner);

    const emails = await db()('outbox_emails').where({ customer_account_id: account.accountId, template: 'registration-invitation' }).orderBy('id');
    expect(emails).to.have.length(2);
    expect(emails[1].recipient).to.equal(account.email);
    const fresh = await registrationPath(account.accountId);
    expect(fresh).not.to.equal(old);
    await supertest(t.app).get(old).expect(404);
    await openLink(supertest.agent(t.app), fresh);
    const audit = await db()('audit_events').where({ customer_account_id: account.accountId, action: 'registration.link_renewed' });
    expect(audit).to.have.length(1);
  });

  it('answers "Send me a new link" the same way when it is rate limited, and sends nothing', async () => {
    const limited = buildTestApp({ TRUST_PROXY: 'true' });
    try {
      const account = await purchaseFor(partner);
      const old = await registrationPath(account.accountId);
      await expireLinksOf(account.accountId);
      for (let i = 0; i < RATE_LIMITS['registration-new-link-address'].max; i += 1) {
        await takePlace(db(), 'registration-new-link-address', '203.0.113.41');
      }
      const agent = supertest.agent(limited.app);
      const page = await agent.get(old).expect(410);
      const journey = /name="journey" value="([^"]+)"/.exec(page.text)![1];
      const sent = await agent
        .post(paths.registration.newLink)
        .set('X-Forwarded-For', '203.0.113.41')
        .type('form')
        .send({ journey, _csrf: csrfTokenFrom(page.text) })
        .expect(303);
      expect(sent.headers.location).to.equal(paths.registration.newLink);
      const emails = await db()('outbox_emails').where({ customer_account_id: account.accountId, template: 'registration-invitation' });
      expect(emails).to.have.length(1);
    } finally {
      await limited.close();
    }
  });

  it('answers "Send me a new link" without a journey the same way, sending nothing', async () => {
    const agent = supertest.agent(t.app);
    const { csrf } = await getForm(agent, paths.portal.signIn);
    const before = await db()('outbox_emails').count<{ count: number }[]>('* as count');
    const res = await agent.post(paths.registration.newLink).type('form').send({ journey: 'made-up', _csrf: csrf }).expect(303);
    expect(res.headers.location).to.equal(paths.registration.newLink);
    const after = await db()('outbox_emails').count<{ count: number }[]>('* as count');
    expect(after[0].count).to.equal(before[0].count);
  });

  it('pauses an address that keeps opening links that do not exist, even for a good link, and only that address', async () => {
    const guarded = buildTestApp({ TRUST_PROXY: 'true' });
    try {
      const account = await purchaseFor(partner);
      const link = await registrationPath(account.accountId);
      for (let i = 0; i < RATE_LIMITS['unknown-link-address'].max - 1; i += 1) await takePlace(db(), 'unknown-link-address', '203.0.113.66');
      const miss = await supertest(guarded.app).get(paths.registration.start('Z'.repeat(43))).set('X-Forwarded-For', '203.0.113.66');
      expect(miss.status).to.equal(404);
      const paused = await supertest(guarded.app).get(link).set('X-Forwarded-For', '203.0.113.66');
      expect(paused.status).to.equal(429);
      expect(paused.text).to.match(/Too many links that do not work were opened from your network\. Try again in \d+ minutes?\./);
      const elsewhere = await supertest(guarded.app).get(link).set('X-Forwarded-For', '203.0.113.67');
      expect(elsewhere.status).to.equal(303);
    } finally {
      await guarded.close();
    }
  });

  it('says a used link belongs to a complete registration and links to sign-in', async () => {
    const customer = await registeredCustomer(partner);
    const res = await supertest(t.app).get(await registrationPath(customer.accountId)).expect(200);
    expect(res.text).to.include('Registration is already complete');
    expect(res.text).to.include(`href="${paths.portal.signIn}"`);
    expectNothingAbout(res.text, customer, partner);
  });
});

describe('registration wizard: Safe, already installed', () => {
  let t: TestApp;
  let partner: TestPartner;

  before(async () => {
    t = buildTestApp();
    partner = await createTestPartner('Installed Safe IT');
  });
  after(() => t.close());

  async function installedJourney(computerName = 'Study-Mac') {
    const account = await purchaseFor(partner);
    const activation = await installComputer(account, computerName, 'mac');
    const agent = supertest.agent(t.app);
    const { journeyId } = await openLink(agent, await registrationPath(account.accountId));
    return { account, activation, agent, journeyId, computerUrl: paths.registration.computer(journeyId), accountUrl: paths.registration.account(journeyId) };
  }

  it('does not let account information be skipped to, by GET or by POST', async () => {
    const j = await installedJourney();
    const get = await j.agent.get(j.accountUrl).expect(303);
    expect(get.headers.location).to.equal(j.computerUrl);
    const { csrf } = await getForm(j.agent, j.computerUrl);
    const post = await j.agent.post(j.accountUrl).type('form').send({ ...(await accountFields()), _csrf: csrf }).expect(303);
    expect(post.headers.location).to.equal(j.computerUrl);
    expect(await customerUsersOf(j.account.accountId)).to.have.length(0);
  });

  it('asks for one of the two when both are empty', async () => {
    const j = await installedJourney();
    const res = await submitForm(j.agent, j.computerUrl, { serialNumber: '', computerName: '' });
    expect(res.status).to.equal(422);
    expect(res.text).to.match(/<title>Error: /);
    expect(res.text).to.include('<a href="#field-serialNumber">Enter the serial number or the computer name</a>');
  });

  it('refuses a serial number or a computer name that matches no computer of this subscription, keeping what was typed', async () => {
    const j = await installedJourney();
    const other = await purchaseFor(partner);
    const elsewhere = await installComputer(other, 'Neighbour-PC');

    const wrongSerial = await submitForm(j.agent, j.computerUrl, { serialNumber: elsewhere.serialNumber, computerName: '' });
    expect(wrongSerial.status).to.equal(422);
    expect(wrongSerial.text).to.include('This serial number does not match a computer on this subscription');
    expect(wrongSerial.text).to.include(`value="${elsewhere.serialNumber}"`);

    const wrongName = await submitForm(j.agent, j.computerUrl, { serialNumber: '', computerName: 'Neighbour-PC' });
    expect(wrongName.status).to.equal(422);
    expect(wrongName.text).to.include('This computer name does not match a computer on this subscription');
    expect(wrongName.text).to.include('value="Neighbour-PC"');

    const halfRight = await submitForm(j.agent, j.computerUrl, { serialNumber: j.activation.serialNumber, computerName: 'Neighbour-PC' });
    expect(halfRight.status).to.equal(422);
    await j.agent.get(j.accountUrl).expect(303);
  });

  it('refuses a serial number and a computer name of two different computers', async () => {
    const j = await installedJourney('Desk-One');
    // Safe sells one computer; a second row stands for a catalog that allows two.
    await db()('installations').insert({
      subscription_id: j.account.subscriptionId,
      computer_name: 'Desk-Two',
      platform: 'windows',
      serial_number: `CB9999-TEST-${Date.now().toString(36).slice(-4).toUpperCase()}`,
      device_token_hash: `test-${Date.now()}-${Math.random()}`,
    });
    const res = await submitForm(j.agent, j.computerUrl, { serialNumber: j.activation.serialNumber, computerName: 'Desk-Two' });
    expect(res.status).to.equal(422);
    expect(res.text).to.include('The serial number and the computer name belong to different computers');
  });

  it('accepts the serial number as people type it (lower case, spaces)', async () => {
    const j = await installedJourney();
    const typed = ` ${j.activation.serialNumber.toLowerCase().replace(/-/, ' -')} `;
    const res = await submitForm(j.agent, j.computerUrl, { serialNumber: typed, computerName: '' });
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal(j.accountUrl);
    const page = await j.agent.get(j.accountUrl).expect(200);
    expect(page.text).to.include(`<a class="back-link" href="${j.computerUrl}">Back</a>`);
  });

  it('accepts the computer name whatever its case, and both when they are the same computer', async () => {
    const byName = await installedJourney('Study-Mac');
    const res = await submitForm(byName.agent, byName.computerUrl, { serialNumber: '', computerName: 'study-mac' });
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal(byName.accountUrl);

    const both = await installedJourney('Den-PC');
    const res2 = await submitForm(both.agent, both.computerUrl, { serialNumber: both.activation.serialNumber, computerName: 'Den-PC' });
    expect(res2.status).to.equal(303);
  });

  it('pauses the link after 10 wrong tries, even for the right answer, and lifts the pause by itself', async function () {
    this.timeout(30_000);
    const j = await installedJourney();
    const { csrf } = await getForm(j.agent, j.computerUrl);
    for (let i = 0; i < 10; i += 1) {
      const res = await j.agent.post(j.computerUrl).type('form').send({ serialNumber: `CB000${i}-NOPE-NOPE`, computerName: '', _csrf: csrf });
      expect(res.status).to.equal(422);
    }
    const paused = await j.agent.post(j.computerUrl).type('form').send({ serialNumber: j.activation.serialNumber, computerName: '', _csrf: csrf });
    expect(paused.status).to.equal(429);
    expect(paused.text).to.match(/This registration link is paused after 10 tries that did not match\. Try again in \d+ minutes?/);
    await db()('rate_limit_hits')
      .where({ bucket: 'registration-computer' })
      .update({ hit_at: db().raw(`now() - interval '31 minutes'`) });
    const again = await j.agent.post(j.computerUrl).type('form').send({ serialNumber: j.activation.serialNumber, computerName: '', _csrf: csrf });
    expect(again.status).to.equal(303);
  });

  it('completes after the computer and account information, landing on the Portal with the congratulations', async () => {
    const j = await installedJourney('Lounge-PC');
    expect((await submitForm(j.agent, j.computerUrl, { serialNumber: '', computerName: 'Lounge-PC' })).status).to.equal(303);
    const res = await submitForm(j.agent, j.accountUrl, await accountFields());
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal(paths.portal.home);
    const home = await j.agent.get(paths.portal.home).expect(200);
    expect(home.text).to.include('Congratulations, your Carbonite account is complete.');
    expect(home.text).to.include('Lounge-PC');
  });
});

describe('registration wizard: account and personal information', () => {
  let t: TestApp;
  let partner: TestPartner;

  before(async () => {
    t = buildTestApp();
    partner = await createTestPartner('Fields Test IT');
  });
  after(() => t.close());

  async function safeJourney(email?: string) {
    const account = await purchaseFor(partner, email ? { customerEmail: email } : {});
    const agent = supertest.agent(t.app);
    const { journeyId } = await openLink(agent, await registrationPath(account.accountId));
    return { account, agent, journeyId, url: paths.registration.account(journeyId) };
  }

  async function proJourney() {
    const account = await purchaseFor(partner, { productId: 'safe-backup-pro', planId: 'sbp-power', computers: 10 });
    const agent = supertest.agent(t.app);
    const { journeyId } = await openLink(agent, await registrationPath(account.accountId));
    return { account, agent, journeyId, url: paths.registration.personal(journeyId) };
  }

  it('asks for every field when nothing is filled in, storing nothing', async () => {
    const j = await safeJourney();
    const res = await submitForm(j.agent, j.url, {});
    expect(res.status).to.equal(422);
    expect(res.text).to.match(/<title>Error: Create your account information/);
    for (const [field, message] of [
      ['password', 'Enter a password'],
      ['confirmPassword', 'Confirm your password'],
      ['securityQuestion1', 'Choose security question 1'],
      ['securityAnswer1', 'Enter answer 1'],
      ['securityQuestion2', 'Choose security question 2'],
      ['securityAnswer2', 'Enter answer 2'],
    ]) {
      expect(res.text).to.include(`<a href="#field-${field}">${message}</a>`);
    }
    expect(await customerUsersOf(j.account.accountId)).to.have.length(0);
  });

  it('applies the product password rules and never echoes a password back', async () => {
    const j = await safeJourney(uniqueEmail('meredith'));
    const cases: [Record<string, string>, string][] = [
      [{ password: 'short one', confirmPassword: 'short one' }, 'Password must be at least 12 characters'],
      [{ password: 'password123456', confirmPassword: 'password123456' }, 'This password is too common or easy to guess'],
      [{ password: 'meredith the great', confirmPassword: 'meredith the great' }, 'Choose a password that does not contain your name, email address or company'],
      [{ password: 'carbonite forever', confirmPassword: 'carbonite forever' }, 'Choose a password that does not contain your name, email address or company'],
      [{ confirmPassword: 'a different thing entirely' }, 'The passwords do not match'],
    ];
    for (const [overrides, message] of cases) {
      const res = await submitForm(j.agent, j.url, await accountFields(overrides));
      expect(res.status, message).to.equal(422);
      expect(res.text).to.include(message);
      for (const secret of Object.values(overrides)) expect(res.text).not.to.include(`value="${secret}"`);
      expect(res.text).not.to.include(CUSTOMER_PASSWORD);
      // The rest of the input is kept.
      expect(res.text).to.include(`value="${ANSWER_1}"`);
      expect(res.text).to.match(/<option value="\d+" selected>/);
    }
    expect(await customerUsersOf(j.account.accountId)).to.have.length(0);
  });

  it('accepts a 128-character password (no composition rules, nothing cut)', async () => {
    const j = await safeJourney();
    const long = 'the slow green tide turns '.repeat(6).slice(0, 128);
    const res = await submitForm(j.agent, j.url, await accountFields({ password: long, confirmPassword: long }));
    expect(res.status).to.equal(303);
    const [user] = await customerUsersOf(j.account.accountId);
    expect(await verifySecret(long, user.password_hash)).to.equal(true);
    expect(await verifySecret(long.slice(0, 100), user.password_hash)).to.equal(false);
  });

  it('requires two different, known security questions and answers of a sensible length', async () => {
    const j = await safeJourney();
    const [first] = await questionIds();
    const same = await submitForm(j.agent, j.url, await accountFields({ securityQuestion2: String(first) }));
    expect(same.status).to.equal(422);
    expect(same.text).to.include('Choose a security question 2 that is different from security question 1');

    const unknown = await submitForm(j.agent, j.url, await accountFields({ securityQuestion1: '99999' }));
    expect(unknown.text).to.include('Choose security question 1');
    const notNumber = await submitForm(j.agent, j.url, await accountFields({ securityQuestion1: '1 OR 1=1' }));
    expect(notNumber.text).to.include('Choose security question 1');

    const long = await submitForm(j.agent, j.url, await accountFields({ securityAnswer2: 'x'.repeat(101) }));
    expect(long.status).to.equal(422);
    expect(long.text).to.include('Answer 2 must be 100 characters or fewer');
    expect(await customerUsersOf(j.account.accountId)).to.have.length(0);
  });

  it('checks the personal information of Safe Backup Pro: names required, phone optional but sensible', async () => {
    const j = await proJourney();
    const empty = await submitForm(j.agent, j.url, await personalFields({ firstName: '', lastName: '   ' }));
    expect(empty.status).to.equal(422);
    expect(empty.text).to.match(/<title>Error: Enter your personal information/);
    expect(empty.text).to.include('<a href="#field-firstName">Enter your first name</a>');
    expect(empty.text).to.include('<a href="#field-lastName">Enter your last name</a>');
    const phone = await submitForm(j.agent, j.url, await personalFields({ phone: 'call me maybe' }));
    expect(phone.status).to.equal(422);
    expect(phone.text).to.include('Enter a phone number using digits');
    expect(phone.text).to.include('value="call me maybe"');
    expect(phone.text).to.include('value="Morgan"');
    const tooLong = await submitForm(j.agent, j.url, await personalFields({ lastName: 'R'.repeat(101) }));
    expect(tooLong.text).to.include('Last name must be 100 characters or fewer');
    const named = await submitForm(j.agent, j.url, await personalFields({ password: 'morgan is my name', confirmPassword: 'morgan is my name' }));
    expect(named.text).to.include('Choose a password that does not contain your name, email address or company');
    expect(await customerUsersOf(j.account.accountId)).to.have.length(0);

    const ok = await submitForm(j.agent, j.url, await personalFields({ phone: '' }));
    expect(ok.status).to.equal(303);
    const [user] = await customerUsersOf(j.account.accountId);
    expect(user).to.include({ first_name: 'Morgan', last_name: 'Reyes', phone: null });
  });

  it('escapes what it echoes back', async () => {
    const j = await proJourney();
    const res = await submitForm(j.agent, j.url, await personalFields({ firstName: '<script>alert(1)</script>', password: '' }));
    expect(res.status).to.equal(422);
    expect(res.text).not.to.include('<script>alert(1)</script>');
    expect(res.text).to.include('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});

describe('registration wizard: completion', () => {
  let t: TestApp;
  let partner: TestPartner;

  before(async () => {
    t = buildTestApp();
    partner = await createTestPartner('Completion IT');
  });
  after(() => t.close());

  it('completes Safe in one go: customer user, link used, account active with its date, audit, then a signed-in Portal on a new session id', async () => {
    const account = await purchaseFor(partner);
    const agent = supertest.agent(t.app);
    const { journeyId } = await openLink(agent, await registrationPath(account.accountId));
    const url = paths.registration.account(journeyId);
    const form = await agent.get(url).expect(200);
    const before = sessionIdFrom(form.headers['set-cookie']);
    const res = await agent
      .post(url)
      .type('form')
      .send({ ...(await accountFields({ securityAnswer1: '  REX   the dog ' })), _csrf: csrfTokenFrom(form.text) })
      .expect(303);
    expect(res.headers.location).to.equal(paths.portal.home);
    const after = sessionIdFrom(res.headers['set-cookie']);
    expect(after).to.be.a('string').and.not.equal(before);

    const home = await agent.get(paths.portal.home).expect(200);
    expect(home.text).to.include('Congratulations, your Carbonite account is complete.');
    expect(home.text).to.include('Account Portal');

    const [user] = await customerUsersOf(account.accountId);
    expect(user.email).to.equal(account.email);
    expect(user.first_name).to.equal(null);
    expect(await verifySecret(CUSTOMER_PASSWORD, user.password_hash)).to.equal(true);
    expect(user.security_answer_1_hash).to.match(/^\$2[aby]\$1[2-9]\$/);
    expect(user.security_answer_1_hash).not.to.include('rex');
    expect(await verifySecurityAnswer('rex the DOG', user.security_answer_1_hash)).to.equal(true);
    expect(await verifySecurityAnswer('rex the cat', user.security_answer_1_hash)).to.equal(false);

    const invitation = await db()('registration_invitations').where({ customer_account_id: account.accountId }).first();
    expect(invitation.used_at).to.be.instanceOf(Date);
    const row = await db()('customer_accounts').where({ id: account.accountId }).first();
    expect(row.status).to.equal('active');
    expect(row.registered_at).to.be.instanceOf(Date);
    const audit = await db()('audit_events').where({ customer_account_id: account.accountId, action: 'registration.completed' });
    expect(audit).to.have.length(1);
    expect(audit[0]).to.include({ actor_type: 'customer_user', actor_id: user.id, partner_id: partner.partnerId });
  });

  it('forgets the journey when done: refresh, back and the link again cannot register twice', async () => {
    const account = await purchaseFor(partner);
    const link = await registrationPath(account.accountId);
    const agent = supertest.agent(t.app);
    const { journeyId } = await openLink(agent, link);
    const url = paths.registration.account(journeyId);
    const { csrf } = await getForm(agent, url);
    await agent.post(url).type('form').send({ ...(await accountFields()), _csrf: csrf }).expect(303);

    const back = await agent.get(url).expect(404);
    expect(back.text).to.include('Open your registration link again');
    const home = await agent.get(paths.portal.home).expect(200);
    const replay = await agent.post(url).type('form').send({ ...(await accountFields()), _csrf: csrfTokenFrom(home.text) });
    expect(replay.status).to.equal(404);
    const again = await agent.get(link).expect(200);
    expect(again.text).to.include('Registration is already complete');
    expect(await customerUsersOf(account.accountId)).to.have.length(1);
  });

  it('completes Safe Backup Pro onto the Backup Dashboard with the names given', async () => {
    const account = await purchaseFor(partner, { productId: 'safe-backup-pro', planId: 'sbp-ultimate', computers: 25 });
    const agent = supertest.agent(t.app);
    const { journeyId } = await openLink(agent, await registrationPath(account.accountId));
    const res = await submitForm(agent, paths.registration.personal(journeyId), await personalFields());
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal(paths.portal.home);
    const dashboard = await agent.get(paths.portal.home).expect(200);
    expect(dashboard.text).to.include('<h1>Backup Dashboard</h1>');
    expect(dashboard.text).to.include('Morgan Reyes');
    const [user] = await customerUsersOf(account.accountId);
    expect(user).to.include({ first_name: 'Morgan', last_name: 'Reyes', phone: '+1 555 010 0199' });
  });

  it('takes the brand of the congratulations from BRAND_NAME', async () => {
    const branded = buildTestApp({ BRAND_NAME: 'Acme Backup' });
    try {
      const account = await purchaseFor(partner);
      const agent = supertest.agent(branded.app);
      const { journeyId } = await openLink(agent, await registrationPath(account.accountId));
      expect((await submitForm(agent, paths.registration.account(journeyId), await accountFields())).status).to.equal(303);
      const home = await agent.get(paths.portal.home).expect(200);
      expect(home.text).to.include('Congratulations, your Acme Backup account is complete.');
    } finally {
      await branded.close();
    }
  });

  it('makes one customer user from two simultaneous final submits in one session; the other sees "already complete", never a 500', async () => {
    const account = await purchaseFor(partner);
    const agent = supertest.agent(t.app);
    const { journeyId } = await openLink(agent, await registrationPath(account.accountId));
    const url = paths.registration.account(journeyId);
    const { csrf } = await getForm(agent, url);
    const fields = { ...(await accountFields()), _csrf: csrf };
    const results = await Promise.all([agent.post(url).type('form').send(fields), agent.post(url).type('form').send(fields)]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).to.deep.equal([303, 409]);
    expect(results.find((r) => r.status === 409)!.text).to.include('Registration is already complete');
    expect(await customerUsersOf(account.accountId)).to.have.length(1);
  });

  it('makes one customer user when the same link is completed from two browsers at once', async () => {
    const account = await purchaseFor(partner, { productId: 'safe-backup-pro', planId: 'sbp-core', computers: 2 });
    const link = await registrationPath(account.accountId);
    const journeys = await Promise.all(
      [0, 1, 2, 3].map(async () => {
        const agent = supertest.agent(t.app);
        const { journeyId } = await openLink(agent, link);
        const url = paths.registration.personal(journeyId);
        const { csrf } = await getForm(agent, url);
        return { agent, url, csrf };
      }),
    );
    const fields = await personalFields();
    const results = await Promise.all(journeys.map((j) => j.agent.post(j.url).type('form').send({ ...fields, _csrf: j.csrf })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).to.deep.equal([303, 409, 409, 409]);
    expect(await customerUsersOf(account.accountId)).to.have.length(1);
    const audits = await db()('audit_events').where({ customer_account_id: account.accountId, action: 'registration.completed' });
    expect(audits).to.have.length(1);
  });

  it('stops a journey whose link was voided by a newer one before the final submit, storing nothing', async () => {
    const account = await purchaseFor(partner);
    const agent = supertest.agent(t.app);
    const { journeyId } = await openLink(agent, await registrationPath(account.accountId));
    const url = paths.registration.account(journeyId);
    const { csrf } = await getForm(agent, url);
    await db().transaction((trx) => issueInvitation(trx, account.accountId, testConfig()));
    const res = await agent.post(url).type('form').send({ ...(await accountFields()), _csrf: csrf });
    expect(res.status).to.equal(404);
    expect(res.text).to.include('This registration link no longer works');
    expect(await customerUsersOf(account.accountId)).to.have.length(0);
  });

  it('offers a new link when the link expires during the journey, storing nothing', async () => {
    const account = await purchaseFor(partner);
    const agent = supertest.agent(t.app);
    const { journeyId } = await openLink(agent, await registrationPath(account.accountId));
    const url = paths.registration.account(journeyId);
    const { csrf } = await getForm(agent, url);
    await expireLinksOf(account.accountId);
    const res = await agent.post(url).type('form').send({ ...(await accountFields()), _csrf: csrf });
    expect(res.status).to.equal(410);
    expect(res.text).to.include('>Send me a new link</button>');
    expect(await customerUsersOf(account.accountId)).to.have.length(0);
    const sent = await agent.post(paths.registration.newLink).type('form').send({ journey: journeyId, _csrf: csrfTokenFrom(res.text) }).expect(303);
    expect(sent.headers.location).to.equal(paths.registration.newLink);
    const emails = await db()('outbox_emails').where({ customer_account_id: account.accountId, template: 'registration-invitation' });
    expect(emails).to.have.length(2);
  });

  it('stops with a clear page when the invitation email already has an account, storing nothing', async () => {
    const first = await registeredCustomer(partner);
    const second = await purchaseFor(partner, { customerEmail: first.email.toUpperCase() });
    const agent = supertest.agent(t.app);
    const { journeyId } = await openLink(agent, await registrationPath(second.accountId));
    const res = await agent.get(paths.registration.account(journeyId)).expect(409);
    expect(res.text).to.include('This email address already has an account');
    expect(await customerUsersOf(second.accountId)).to.have.length(0);
  });

  it('completes a registration handed over from the partner, making the customer the administrator', async () => {
    const account = await purchaseFor(partner, { administrator: 'partner' });
    await db().transaction((trx) => issueInvitation(trx, account.accountId, testConfig()));
    const agent = supertest.agent(t.app);
    const { journeyId } = await openLink(agent, await registrationPath(account.accountId));
    expect((await submitForm(agent, paths.registration.account(journeyId), await accountFields())).status).to.equal(303);
    const row = await db()('customer_accounts').where({ id: account.accountId }).first();
    expect(row).to.include({ status: 'active', administrator: 'customer' });
    expect(row.registered_at).to.be.instanceOf(Date);
  });
});

describe('registration wizard: journeys and guards', () => {
  let t: TestApp;
  let partner: TestPartner;

  before(async () => {
    t = buildTestApp();
    partner = await createTestPartner('Guards IT');
  });
  after(() => t.close());

  it('refuses every step without a journey of this session', async () => {
    const account = await purchaseFor(partner);
    const owner = supertest.agent(t.app);
    const { journeyId } = await openLink(owner, await registrationPath(account.accountId));
    const stranger = supertest.agent(t.app);
    for (const url of [paths.registration.account(journeyId), paths.registration.computer(journeyId), paths.registration.personal('nothing-here')]) {
      const res = await stranger.get(url).expect(404);
      expect(res.text).to.include('Open your registration link again');
      expectNothingAbout(res.text, account, partner);
    }
    const { csrf } = await getForm(stranger, paths.portal.signIn);
    const post = await stranger.post(paths.registration.account(journeyId)).type('form').send({ ...(await accountFields()), _csrf: csrf });
    expect(post.status).to.equal(404);
    expect(await customerUsersOf(account.accountId)).to.have.length(0);
  });

  it('sends each product to its own step: no Safe steps for Safe Backup Pro, no personal step for Safe', async () => {
    const pro = await purchaseFor(partner, { productId: 'safe-backup-pro', planId: 'sbp-core', computers: 1 });
    const safe = await purchaseFor(partner);
    const agent = supertest.agent(t.app);
    const proJourney = (await openLink(agent, await registrationPath(pro.accountId))).journeyId;
    const safeJourney = (await openLink(agent, await registrationPath(safe.accountId))).journeyId;
    for (const url of [paths.registration.account(proJourney), paths.registration.computer(proJourney)]) {
      expect((await agent.get(url).expect(303)).headers.location).to.equal(paths.registration.personal(proJourney));
    }
    expect((await agent.get(paths.registration.personal(safeJourney)).expect(303)).headers.location).to.equal(paths.registration.account(safeJourney));
    expect((await agent.get(paths.registration.computer(safeJourney)).expect(303)).headers.location).to.equal(paths.registration.account(safeJourney));
  });

  it('keeps two links in two tabs apart, and completing one leaves the other usable', async () => {
    const first = await purchaseFor(partner);
    const second = await purchaseFor(partner, { productId: 'safe-backup-pro', planId: 'sbp-core', computers: 1 });
    const agent = supertest.agent(t.app);
    const a = (await openLink(agent, await registrationPath(first.accountId))).journeyId;
    const b = (await openLink(agent, await registrationPath(second.accountId))).journeyId;
    expect(a).not.to.equal(b);
    const pageA = await agent.get(paths.registration.account(a)).expect(200);
    const pageB = await agent.get(paths.registration.personal(b)).expect(200);
    expect(pageA.text).to.include(first.email).and.not.to.include(second.email);
    expect(pageB.text).to.include(second.email).and.not.to.include(first.email);

    expect((await submitForm(agent, paths.registration.account(a), await accountFields())).status).to.equal(303);
    expect(await customerUsersOf(first.accountId)).to.have.length(1);
    expect(await customerUsersOf(second.accountId)).to.have.length(0);
    const stillThere = await agent.get(paths.registration.personal(b)).expect(200);
    expect(stillThere.text).to.include(second.email);
    expect((await submitForm(agent, paths.registration.personal(b), await personalFields())).status).to.equal(303);
    expect(await customerUsersOf(second.accountId)).to.have.length(1);
  });

  it('reuses the journey when the same link is opened again in the same browser', async () => {
    const account = await purchaseFor(partner);
    const link = await registrationPath(account.accountId);
    const agent = supertest.agent(t.app);
    const first = await openLink(agent, link);
    const second = await openLink(agent, link);
    expect(second.journeyId).to.equal(first.journeyId);
  });

  it('refuses a final submit without a valid CSRF token, storing nothing', async () => {
    const account = await purchaseFor(partner);
    const agent = supertest.agent(t.app);
    const { journeyId } = await openLink(agent, await registrationPath(account.accountId));
    const res = await agent.post(paths.registration.account(journeyId)).type('form').send({ ...(await accountFields()), _csrf: 'forged' });
    expect(res.status).to.equal(403);
    expect(await customerUsersOf(account.accountId)).to.have.length(0);
  });
});
