import { expect } from 'chai';
import supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { testDatabase } from '../support/hooks.ts';
import {
  buildTestApp,
  createTestPartner,
  csrfTokenFrom,
  getForm,
  sessionIdFrom,
  signInPartner,
  submitForm,
  type TestApp,
  type TestPartner,
  rewriteStoredSession,
} from '../support/app.ts';

async function sessionRowsOf(userKey: string): Promise<{ sid: string; sess: Record<string, unknown> }[]> {
  return testDatabase().db('session').whereRaw(`sess->'passport'->'user'->>'key' = ?`, [userKey]).select('sid', 'sess');
}

describe('partner sign-in', () => {
  let t: TestApp;
  let partner: TestPartner;

  before(async () => {
    t = buildTestApp();
    partner = await createTestPartner('Sign-in Test IT');
  });
  after(() => t.close());

  it('shows the sign-in form with labelled fields', async () => {
    const res = await supertest(t.app).get(paths.partner.signIn).expect(200);
    expect(res.text).to.include('<label class="field__label" for="field-email">Email address</label>');
    expect(res.text).to.include('<label class="field__label" for="field-password">Password</label>');
    expect(res.headers['content-security-policy']).to.include("default-src 'none'");
    expect(res.headers['content-security-policy']).not.to.include('script-src');
  });

  it('signs in with the right password, on a new session id, and lands on the Overview', async () => {
    const agent = supertest.agent(t.app);
    const page = await agent.get(paths.partner.signIn).expect(200);
    const before = sessionIdFrom(page.headers['set-cookie']);
    expect(before, 'the sign-in page starts a session for its CSRF token').to.be.a('string');
    const res = await agent
      .post(paths.partner.signIn)
      .type('form')
      .send({ email: partner.email.toUpperCase(), password: partner.password, _csrf: csrfTokenFrom(page.text) })
      .expect(303);
    expect(res.headers.location).to.equal(paths.partner.overview);
    const after = sessionIdFrom(res.headers['set-cookie']);
    expect(after).to.be.a('string').and.not.equal(before);
    expect(await testDatabase().db('session').where({ sid: before }).first()).to.equal(undefined);
    const accounts = await agent.get(paths.partner.accounts).expect(200);
    expect(accounts.text).to.include('Pat Partner');
    expect(accounts.text).to.include('Sign-in Test IT');
    const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).join(';');
    expect(cookie).to.match(/HttpOnly/).and.to.match(/SameSite=Lax/);
  });

  it('marks the cookie Secure when the request came over HTTPS through a trusted proxy', async () => {
    const proxied = buildTestApp({ TRUST_PROXY: '1' });
    try {
      const res = await supertest(proxied.app).get(paths.partner.signIn).set('X-Forwarded-Proto', 'https').expect(200);
      expect(String(res.headers['set-cookie'])).to.match(/Secure/);
      const plain = await supertest(proxied.app).get(paths.partner.signIn).expect(200);
      expect(String(plain.headers['set-cookie'])).not.to.match(/Secure/);
    } finally {
      await proxied.close();
    }
  });

  it('answers a wrong password with one generic message and keeps the email', async () => {
    const agent = supertest.agent(t.app);
    const other = await createTestPartner();
    const res = await submitForm(agent, paths.partner.signIn, { email: other.email, password: 'not the right password' });
    expect(res.status).to.equal(422);
    expect(res.text).to.include('The email address or password is not right.');
    expect(res.text).to.include(`value="${other.email}"`);
    expect(res.text).to.match(/<title>Error: /);
    const unknown = await submitForm(agent, paths.partner.signIn, { email: 'nobody@example.test', password: 'not the right password' });
    expect(unknown.status).to.equal(422);
    expect(unknown.text).to.include('The email address or password is not right.');
  });

  it('asks for both fields when either is empty, linking the summary to the field', async () => {
    const res = await submitForm(supertest.agent(t.app), paths.partner.signIn, { email: '', password: '' });
    expect(res.status).to.equal(422);
    expect(res.text).to.include('<a href="#field-email">Enter your email address</a>');
    expect(res.text).to.include('<a href="#field-password">Enter your password</a>');
  });

  it('pauses an account after five failures in 15 minutes, even for the right password, and lifts by itself', async function () {
    this.timeout(30_000);
    const victim = await createTestPartner();
    const agent = supertest.agent(t.app);
    for (let i = 0; i < 5; i += 1) {
      const res = await submitForm(agent, paths.partner.signIn, { email: victim.email, password: `wrong password ${i}` });
      expect(res.status).to.equal(422);
    }
    const paused = await submitForm(agent, paths.partner.signIn, { email: victim.email, password: victim.password });
    expect(paused.status).to.equal(422);
    expect(paused.text).to.match(/Sign-in for this email address is paused after 5 failed attempts\. Try again in \d+ minutes?\./);
    // The window slides: once the failures are older than 15 minutes the owner gets in.
    await testDatabase().db('rate_limit_hits').where({ key: victim.email }).update({ hit_at: testDatabase().db.raw(`now() - interval '16 minutes'`) });
    const again = await submitForm(agent, paths.partner.signIn, { email: victim.email, password: victim.password });
    expect(again.status).to.equal(303);
  });

  it('stops one address spraying many accounts', async function () {
    this.timeout(60_000);
    const sprayer = buildTestApp({ TRUST_PROXY: 'true' });
    try {
      const agent = supertest.agent(sprayer.app);
      const { csrf } = await getForm(agent, paths.partner.signIn);
      let last;
      for (let i = 0; i < 31; i += 1) {
        last = await agent
          .post(paths.partner.signIn)
          .set('X-Forwarded-For', '203.0.113.77')
          .type('form')
          .send({ email: `spray${i}@example.test`, password: 'Winter2026isHere', _csrf: csrf });
      }
      expect(last!.status).to.equal(422);
      expect(last!.text).to.include('Too many failed sign-in attempts from your network');
      // Another address is not affected.
      const other = await agent
        .post(paths.partner.signIn)
        .set('X-Forwarded-For', '198.51.100.5')
        .type('form')
        .send({ email: partner.email, password: partner.password, _csrf: csrf });
      expect(other.status).to.equal(303);
    } finally {
      await sprayer.close();
    }
  });

  it('refuses a POST without a valid CSRF token with the form-expired page, changing nothing', async () => {
    const agent = supertest.agent(t.app);
    await agent.get(paths.partner.signIn).expect(200);
    const res = await agent.post(paths.partner.signIn).type('form').send({ email: partner.email, password: partner.password, _csrf: 'forged' });
    expect(res.status).to.equal(403);
    expect(res.text).to.include('This form has expired');
    expect(res.text).to.include('Go back to the form');
    await agent.get(paths.partner.accounts).expect(303);
  });

  it('sends anyone not signed in to the sign-in page', async () => {
    const res = await supertest(t.app).get(paths.partner.accounts).expect(303);
    expect(res.headers.location).to.equal(`${paths.partner.signIn}?next=${encodeURIComponent(paths.partner.accounts)}`);
  });

  it('signs out with a POST that destroys the session in the store', async () => {
    const agent = await signInPartner(t.app, partner);
    const rows = await sessionRowsOf(`partner:${partner.userId}`);
    expect(rows.length).to.be.at.least(1);
    const page = await agent.get(paths.partner.accounts).expect(200);
    const res = await agent.post(paths.partner.signOut).type('form').send({ _csrf: csrfTokenFrom(page.text) }).expect(303);
    expect(res.headers.location).to.equal(`${paths.partner.signIn}?signed-out`);
    const remaining = await sessionRowsOf(`partner:${partner.userId}`);
    expect(remaining.map((r) => r.sid)).to.not.include.members(rows.map((r) => r.sid).filter((sid) => !remaining.some((r) => r.sid === sid)));
    expect(remaining.length).to.be.below(rows.length);
    await agent.get(paths.partner.accounts).expect(303);
  });

  async function ageSession(userKey: string, field: 'createdAt' | 'lastSeenAt', msAgo: number, app: TestApp = t) {
    const rows = await sessionRowsOf(userKey);
    for (const row of rows) {
      const sess = { ...row.sess, [field]: Date.now() - msAgo };
      if (field === 'createdAt') sess.lastSeenAt = Date.now();
      await rewriteStoredSession(row.sid, sess);
    }
  }

  it('ends a session idle for more than 30 minutes', async () => {
    const idle = await createTestPartner();
    const agent = await signInPartner(t.app, idle);
    await agent.get(paths.partner.accounts).expect(200);
    await ageSession(`partner:${idle.userId}`, 'lastSeenAt', 31 * 60_000);
    const res = await agent.get(paths.partner.accounts).expect(303);
    expect(res.headers.location).to.match(/^\/partner\/sign-in/);
    const signInPage = await agent.get(res.headers.location).expect(200);
    expect(signInPage.text).to.include('Your session ended');
    expect(await sessionRowsOf(`partner:${idle.userId}`)).to.have.length(0);
  });

  it('ends a session older than 12 hours even while in use', async () => {
    const busy = await createTestPartner();
    const agent = await signInPartner(t.app, busy);
    await ageSession(`partner:${busy.userId}`, 'createdAt', 12 * 3_600_000 + 60_000);
    await agent.get(paths.partner.accounts).expect(303);
  });

  it('takes both timeouts from configuration', async () => {
    const short = buildTestApp({ SESSION_IDLE_MINUTES: '5' });
    try {
      const user = await createTestPartner();
      const agent = await signInPartner(short.app, user);
      await ageSession(`partner:${user.userId}`, 'lastSeenAt', 6 * 60_000, short);
      await agent.get(paths.partner.accounts).expect(303);
    } finally {
      await short.close();
    }
  });

  it('does not write the session on every signed-in page view', async () => {
    const reader = await createTestPartner();
    const agent = await signInPartner(t.app, reader);
    await agent.get(paths.partner.accounts).expect(200);
    const [first] = await sessionRowsOf(`partner:${reader.userId}`);
    const expireBefore = (await testDatabase().db('session').where({ sid: first.sid }).first('expire')).expire;
    await new Promise((r) => setTimeout(r, 1100));
    await agent.get(paths.partner.accounts).expect(200);
    const expireAfter = (await testDatabase().db('session').where({ sid: first.sid }).first('expire')).expire;
    expect(expireAfter.getTime()).to.equal(expireBefore.getTime());
  });
});

describe('errors and operations', () => {
  let t: TestApp;
  before(() => {
    t = buildTestApp();
  });
  after(() => t.close());

  it('answers /healthz and /readyz', async () => {
    await supertest(t.app).get(paths.health).expect(200, { status: 'ok' });
    await supertest(t.app).get(paths.ready).expect(200);
  });

  it('shows an HTML 404 page, and a JSON 404 under /api/', async () => {
    const page = await supertest(t.app).get('/no/such/page').expect(404);
    expect(page.text).to.include('Page not found');
    const api = await supertest(t.app).get('/api/v1/nothing').expect(404);
    expect(api.body).to.deep.include({ error: 'not_found' });
  });

  it('refuses oversized form bodies with 413 and no stack trace', async () => {
    const agent = supertest.agent(t.app);
    const { csrf } = await getForm(agent, paths.partner.signIn);
    const res = await agent.post(paths.partner.signIn).type('form').send({ _csrf: csrf, email: 'x'.repeat(200_000), password: 'y' });
    expect(res.status).to.equal(413);
    expect(res.text).not.to.match(/at \S+ \(.*:\d+:\d+\)/);
    expect(res.text).to.include('too large');
  });

  it('refuses malformed JSON under /api/ with a JSON 400', async () => {
    const res = await supertest(t.app).post(paths.api.installations).set('Content-Type', 'application/json').send('{"keyCode":');
    expect(res.status).to.equal(400);
    expect(res.body).to.have.property('message');
  });
});
