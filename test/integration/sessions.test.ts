// The session layer's own promises (lib/session.ts, lib/sessionStore.ts), beyond what the
// sign-in, cache and redirect tests show: cookies it does not trust, a session ended
// elsewhere staying ended, the store's contract, and a session that cannot be stored.
import { expect } from 'chai';
import supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { SESSION_COOKIE } from '../../lib/session.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, csrfTokenFrom, sessionIdFrom, type TestApp, type TestPartner } from '../support/app.ts';

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

  it('keeps a session ended elsewhere ended: the store updates a stored session, never writes it again', async () => {
    const storage = t.sessions;
    const sid = 'ended-elsewhere-test-session-0001';
    const json = JSON.stringify({ rev: 'r1', flash: { kind: 'info', text: 'first' } });
    expect(await storage.write(sid, json, 'r1', true, 3600)).to.equal(true);
    expect((await storage.read(sid))?.data).to.deep.equal({ rev: 'r1', flash: { kind: 'info', text: 'first' } });
    // Signed out in another tab, meanwhile.
    await storage.remove(sid);
    expect(await storage.write(sid, JSON.stringify({ rev: 'r2' }), 'r2', false, 3600)).to.equal(false);
    expect(await storage.read(sid)).to.equal(undefined);
    expect(await db()('session').where({ sid }).first()).to.equal(undefined);
  });

  it('does not read a session past its expiry, and prunes it', async () => {
    const storage = t.sessions;
    const sid = 'expired-test-session-0001';
    await storage.write(sid, JSON.stringify({ rev: 'r1' }), 'r1', true, 3600);
    await db()('session').where({ sid }).update({ expire: db().raw(`localtimestamp - interval '1 second'`) });
    expect(await storage.read(sid)).to.equal(undefined);
    expect(await storage.prune()).to.be.at.least(1);
    expect(await db()('session').where({ sid }).first()).to.equal(undefined);
  });

  it('answers the 503 page, not the page, when a changed session cannot be stored, and keeps what was stored', async () => {
    const cookies = await signedInCookies(t, partner);
    const form = await supertest(t.app).get(paths.partner.newPurchase).set('Cookie', cookies).expect(200);
    const sid = sessionIdFrom(cookies)!;
    const storedBefore = (await db()('session').where({ sid }).first('sess')).sess;
    const pool = t.sessions.pool;
    const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
    pool.query = ((text: unknown, ...rest: unknown[]) =>
      typeof text === 'string' && text.startsWith('UPDATE session') ? Promise.reject(new Error('Connection terminated unexpectedly')) : query(text, ...rest)) as typeof pool.query;
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
      pool.query = query as typeof pool.query;
    }
    expect((await db()('session').where({ sid }).first('sess')).sess).to.deep.equal(storedBefore);
    // Still signed in, and the form works once the store does.
    await supertest(t.app).get(paths.partner.accounts).set('Cookie', cookies).expect(200);
  });
});
