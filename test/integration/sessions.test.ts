// The session layer's own promises (lib/session/session.ts, lib/session/store.ts), beyond what the
// sign-in and redirect tests show: cookies it does not trust, a session ended
// elsewhere staying ended, the store's contract, and a session that cannot be stored.
import { expect } from 'chai';
import supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import type { Request } from 'express';
import { SESSION_COOKIE } from '../../lib/session/session.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, csrfTokenFrom, rewriteStoredSession, sessionIdFrom, type TestApp, type TestPartner } from '../support/app.ts';

const db = () => testDatabase().db;

// The Cookie header an agent sends, from the Set-Cookie headers it was given.
function cookiesOf(setCookie: string[] | string | undefined): string {
  return ([] as string[]).concat(setCookie ?? []).map((c) => c.split(';')[0]).join('; ');
}

async function signedInCookies(t: TestApp, partner: TestPartner): Promise<string> {
  const page = await supertest(t.app).get(paths.partner.signIn).expect(200);
  const res = await supertest(t.app)
    .post(paths.partner.signIn)
    .set('Cookie', cookiesOf(page.headers['set-cookie']))
    .type('form')
    .send({ email: partner.email, password: partner.password, _csrf: csrfTokenFrom(page.text) })
    .expect(303);
  return cookiesOf(res.headers['set-cookie']);
}

describe('sessions', () => {
  let t: TestApp;
  let partner: TestPartner;

  before(async () => {
    t = buildTestApp();
    partner = await createTestPartner('Sessions IT');
  });
  after(() => t.close());

  it('signs nobody in with a session cookie whose signature is not the app’s', async () => {
    const cookies = await signedInCookies(t, partner);
    await supertest(t.app).get(paths.partner.accounts).set('Cookie', cookies).expect(200);
    const sid = sessionIdFrom(cookies)!;
    // The same id, signed with something else: the signature's last character changed.
    const forged = cookies.replace(/(portal\.sid=[^;]*?)(.)(;|$)/, (_m, head: string, last: string, end: string) => `${head}${last === 'A' ? 'B' : 'A'}${end}`);
    expect(forged).not.to.equal(cookies);
    const refused = await supertest(t.app).get(paths.partner.accounts).set('Cookie', forged).expect(303);
    expect(refused.headers.location).to.match(new RegExp(`^${paths.partner.signIn}`));
    // Unsigned, or with no id at all: the same.
    await supertest(t.app).get(paths.partner.accounts).set('Cookie', `${SESSION_COOKIE}=${sid}`).expect(303);
    await supertest(t.app).get(paths.partner.accounts).set('Cookie', `${SESSION_COOKIE}=s%3A`).expect(303);
    await supertest(t.app).get(paths.partner.accounts).set('Cookie', `${SESSION_COOKIE}=%E0%A4%A`).expect(303);
    // And the session itself was left alone.
    expect(await db()('session').where({ sid }).first('sid')).to.deep.equal({ sid });
  });

  it('sends each cookie once with an answer, however often the session was stored during it', async () => {
    const page = await supertest(t.app).get(paths.partner.signIn).expect(200);
    // Sign-in stores the session twice: passport saves the new one, then the clock starts.
    const res = await supertest(t.app)
      .post(paths.partner.signIn)
      .set('Cookie', cookiesOf(page.headers['set-cookie']))
      .type('form')
      .send({ email: partner.email, password: partner.password, _csrf: csrfTokenFrom(page.text) })
      .expect(303);
    const names = ([] as string[]).concat(res.headers['set-cookie'] ?? []).map((c) => c.split('=')[0]);
    expect(names).to.deep.equal([SESSION_COOKIE]);
    const sid = sessionIdFrom(res.headers['set-cookie'])!;
    const stored = (await db()('session').where({ sid }).first('sess')).sess as { createdAt: number };
    expect(stored.createdAt, 'the clock started').to.be.a('number');
  });

  it('finds its cookie among others, whatever their names end with', async () => {
    const cookies = await signedInCookies(t, partner);
    const session = cookies.split('; ').find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
    const others = cookies.split('; ').filter((c) => c !== session);
    const header = [`x${SESSION_COOKIE}=s%3Anot-this-one.sig`, `theme=dark`, session, ...others].join('; ');
    await supertest(t.app).get(paths.partner.accounts).set('Cookie', header).expect(200);
  });

  it('starts no stored session for a page that does not need one', async () => {
    const before = Number((await db()('session').count({ n: '*' }))[0].n);
    const res = await supertest(t.app).get(paths.partner.accounts).expect(303);
    expect(res.headers['set-cookie'], 'no cookie for a redirect to sign-in').to.equal(undefined);
    expect(Number((await db()('session').count({ n: '*' }))[0].n)).to.equal(before);
  });

  // A session as express-session holds it after reading it from the store.
  function readSession(sid: string, data: object) {
    const req = { sessionID: sid } as unknown as Request;
    return t.sessions.createSession(req, { cookie: { originalMaxAge: null, path: '/', httpOnly: true }, ...data } as never);
  }
  const storeSet = (sid: string, data: object) => new Promise<void>((resolve, reject) => t.sessions.set(sid, data as never, (e) => (e ? reject(e) : resolve())));
  const storeGet = (sid: string) => new Promise<unknown>((resolve, reject) => t.sessions.get(sid, (e, s) => (e ? reject(e) : resolve(s ?? undefined))));

  it('keeps a session ended elsewhere ended: a session read from the store is only updated, never written again', async () => {
    const sid = 'ended-elsewhere-test-session-0001';
    // A new session (express-session generated it) is inserted.
    await storeSet(sid, { cookie: { originalMaxAge: null, path: '/' }, flash: { kind: 'info', text: 'first' } });
    expect(await storeGet(sid)).to.deep.include({ flash: { kind: 'info', text: 'first' } });
    // A request reads it; its changes are saved as an update.
    const session = readSession(sid, { flash: { kind: 'info', text: 'second' } });
    await storeSet(sid, session);
    expect(await storeGet(sid)).to.deep.include({ flash: { kind: 'info', text: 'second' } });
    // Signed out in another tab meanwhile: the request's save brings nothing back.
    await db()('session').where({ sid }).delete();
    await storeSet(sid, session);
    expect(await storeGet(sid)).to.equal(undefined);
    expect(await db()('session').where({ sid }).first()).to.equal(undefined);
  });

  it('does not read a session past its expiry, nor write it back, and prunes it', async () => {
    const sid = 'expired-test-session-0001';
    await storeSet(sid, { cookie: { originalMaxAge: null, path: '/' } });
    const session = readSession(sid, {});
    await db()('session').where({ sid }).update({ expire: db().raw(`localtimestamp - interval '1 second'`) });
    expect(await storeGet(sid)).to.equal(undefined);
    // Nor is an expired row brought back by a request that read it before it expired.
    await storeSet(sid, session);
    expect(await storeGet(sid)).to.equal(undefined);
    await new Promise<void>((resolve, reject) => t.sessions.pruneSessions((e: unknown) => (e ? reject(e) : resolve())));
    expect(await db()('session').where({ sid }).first()).to.equal(undefined);
  });

  it('writes nothing for a signed-in page view', async () => {
    const cookies = await signedInCookies(t, partner);
    const sid = sessionIdFrom(cookies)!;
    // The first page stores its form's CSRF secret; after that, views store nothing.
    await supertest(t.app).get(paths.partner.accounts).set('Cookie', cookies).expect(200);
    const before = await db()('session').where({ sid }).first('sess', 'expire');
    for (let i = 0; i < 3; i += 1) {
      const res = await supertest(t.app).get(paths.partner.accounts).set('Cookie', cookies).expect(200);
      expect(res.headers['set-cookie'], 'no cookie sent again').to.equal(undefined);
    }
    expect(await db()('session').where({ sid }).first('sess', 'expire')).to.deep.equal(before);
  });

  it('answers the 503 page, not the page, when a changed session cannot be stored, and keeps what was stored', async () => {
    const cookies = await signedInCookies(t, partner);
    const form = await supertest(t.app).get(paths.partner.newPurchase).set('Cookie', cookies).expect(200);
    const sid = sessionIdFrom(cookies)!;
    const storedBefore = (await db()('session').where({ sid }).first('sess')).sess;
    const restore = failSessionStatements('UPDATE session');
    try {
      const res = await supertest(t.app)
        .post(paths.partner.newPurchase)
        .set('Cookie', cookies)
        .type('form')
        .send({ _csrf: csrfTokenFrom(form.text), customerName: 'Unsaved Draft Ltd', customerEmail: 'unsaved@example.test', product: 'safe', plan: 'safe-basic', computers: '1', term: '1', administrator: 'partner' });
      expect(res.status).to.equal(503);
      expect(res.headers.location, 'no redirect to a review page that would find no draft').to.equal(undefined);
      expect(res.text).to.include('Service unavailable');
    } finally {
      restore();
    }
    expect((await db()('session').where({ sid }).first('sess')).sess).to.deep.equal(storedBefore);
    // Still signed in, and the form works once the store does.
    await supertest(t.app).get(paths.partner.accounts).set('Cookie', cookies).expect(200);
  });

  // Makes the session store's statements that start with `prefix` fail until the returned
  // function is called, the way a lost connection fails them.
  function failSessionStatements(prefix: string): () => void {
    const pool = t.sessions.pool;
    const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
    pool.query = ((text: unknown, ...rest: unknown[]) =>
      typeof text === 'string' && text.startsWith(prefix) ? Promise.reject(new Error('Connection terminated unexpectedly')) : query(text, ...rest)) as typeof pool.query;
    return () => {
      pool.query = query as typeof pool.query;
    };
  }

  it('stores nothing of a sign-in whose session could not be stored, and says so', async () => {
    const page = await supertest(t.app).get(paths.partner.signIn).expect(200);
    const restore = failSessionStatements('INSERT INTO "session"');
    let res: supertest.Response;
    try {
      res = await supertest(t.app)
        .post(paths.partner.signIn)
        .set('Cookie', cookiesOf(page.headers['set-cookie']))
        .type('form')
        .send({ email: partner.email, password: partner.password, _csrf: csrfTokenFrom(page.text) });
    } finally {
      restore();
    }
    expect(res.status).to.equal(503);
    expect(sessionIdFrom(res.headers['set-cookie']), 'no session cookie').to.equal(undefined);
    expect(res.headers['content-type']).to.match(/^text\/html/);
    const rows = await db()('session').whereRaw(`sess->'passport'->'user'->>'key' = ?`, [`partner:${partner.userId}`]).select('sess');
    for (const row of rows) expect(row.sess.createdAt, 'every stored sign-in has its clock').to.be.a('number');
    // And signing in works once the store does.
    expect(await signedInCookies(t, partner)).to.include(SESSION_COOKIE);
  });

  it('ends a signed-in session that has no clock, which would otherwise never time out', async () => {
    const cookies = await signedInCookies(t, partner);
    const sid = sessionIdFrom(cookies)!;
    const stored = (await db()('session').where({ sid }).first('sess')).sess as Record<string, unknown>;
    delete stored.createdAt;
    delete stored.lastSeenAt;
    await rewriteStoredSession(sid, stored);
    const res = await supertest(t.app).get(paths.partner.accounts).set('Cookie', cookies).expect(303);
    expect(res.headers.location).to.match(new RegExp(`^${paths.partner.signIn}`));
    expect(await db()('session').where({ sid }).first()).to.equal(undefined);
  });
});
