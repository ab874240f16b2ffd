// Sessions served from memory (lib/session/cache.ts), with two app instances on one database
// and one browser's cookies going to either: a copy is used only while it cannot be out of date.
import { expect } from 'chai';
import { paths } from '../../lib/paths.ts';
import { endSessionsOfUser, REVISION_COOKIE, type SessionStorage } from '../../lib/session/session.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, listen, rewriteStoredSession, sessionIdFrom, type TestApp, type TestPartner } from '../support/app.ts';
import { eventually } from '../support/eventually.ts';
import { WebClient } from '../faults/support/webClient.ts';
import { purchaseFields, signInPartner } from '../faults/support/journeys.ts';

interface Instance {
  test: TestApp;
  url: string;
  sessionReads: number;
  close(): Promise<void>;
}

// An instance whose session reads from the database are counted.
async function startInstance(): Promise<Instance> {
  const test = buildTestApp();
  const server = await listen(test.app);
  const instance: Instance = {
    test,
    url: server.url,
    sessionReads: 0,
    async close() {
      await server.close();
      await test.close();
    },
  };
  const pool = test.sessions.pool;
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  pool.query = ((text: unknown, ...rest: unknown[]) => {
    if (typeof text === 'string' && text.startsWith('SELECT sess')) instance.sessionReads += 1;
    return query(text, ...rest);
  }) as typeof pool.query;
  await eventually(() => test.sessions.cache.isListening, 5000, 'the session cache to listen');
  return instance;
}

const signedIn = async (client: WebClient) => (await client.get(paths.partner.accounts)).status === 200;

describe('sessions kept in memory, across two instances', () => {
  let a: Instance;
  let b: Instance;
  let partner: TestPartner;

  before(async () => {
    [a, b] = await Promise.all([startInstance(), startInstance()]);
    partner = await createTestPartner('Session Cache IT');
  });

  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  it('serves a signed-in page without reading the session from the database, once it has a copy', async () => {
    const browser = new WebClient(a.url);
    await signInPartner(browser, partner);
    expect(browser.hasCookie(REVISION_COOKIE), 'the sign-in sent a revision').to.equal(true);
    const before = a.sessionReads;
    for (let i = 0; i < 5; i += 1) expect((await browser.get(paths.partner.accounts)).status).to.equal(200);
    expect(a.sessionReads - before).to.equal(0);
  });

  it('reads the session from the database when the browser presents no revision, or another one', async () => {
    const browser = new WebClient(a.url);
    await signInPartner(browser, partner);
    const cookies = browser.cookieHeader();
    const before = a.sessionReads;
    const withoutRevision = cookies.replace(new RegExp(`(^|; )${REVISION_COOKIE.replace('.', '\\.')}=[^;]*`), '');
    expect((await browser.get(paths.partner.accounts, { headers: { cookie: withoutRevision } })).status).to.equal(200);
    const otherRevision = cookies.replace(new RegExp(`(${REVISION_COOKIE.replace('.', '\\.')}=)[^;]*`), '$1not-the-revision');
    expect((await browser.get(paths.partner.accounts, { headers: { cookie: otherRevision } })).status).to.equal(200);
    expect(a.sessionReads - before).to.equal(2);
  });

  it('shows at once what the other instance wrote to the session, even before word of the change arrives', async () => {
    const browser = new WebClient(a.url);
    await signInPartner(browser, partner);
    expect((await browser.get(paths.partner.accounts)).status).to.equal(200);
    // Instance A hears nothing of the change: its copy stays, as when a notification is late.
    const announced = a.test.sessions.cache.announced.bind(a.test.sessions.cache);
    a.test.sessions.cache.announced = () => undefined;
    try {
      const fields = purchaseFields({ customerName: 'Lighthouse Optics' });
      const draft = await browser.at(b.url).submit(paths.partner.newPurchase, { ...fields });
      expect(draft.status).to.equal(303);
      const review = await browser.get(paths.partner.reviewPurchase);
      expect(review.status).to.equal(200);
      expect(review.text).to.include('Lighthouse Optics');
    } finally {
      a.test.sessions.cache.announced = announced;
    }
  });

  it('ends the session in the other instance too when the partner signs out in one', async () => {
    const browser = new WebClient(a.url);
    await signInPartner(browser, partner);
    expect(await signedIn(browser)).to.equal(true);
    // The same cookies, kept as someone who copied them would keep them.
    const copied = browser.cookieHeader();
    const stolen = new WebClient(a.url, { headers: () => ({ cookie: copied }) });
    expect(await signedIn(stolen)).to.equal(true);

    const signOut = await browser.at(b.url).submit(paths.partner.accounts, {}, paths.partner.signOut);
    expect(signOut.status).to.equal(303);
    expect(browser.hasCookie(REVISION_COOKIE), 'the revision cookie is cleared').to.equal(false);
    await eventually(async () => !(await signedIn(stolen)), 2000, 'instance A to drop the ended session');
  });

  it('ends every session of a user in every instance when they are ended in one (a password change)', async () => {
    const browser = new WebClient(a.url);
    await signInPartner(browser, partner);
    expect(await signedIn(browser)).to.equal(true);
    const ended = await endSessionsOfUser(b.test.sessions, `partner:${partner.userId}`);
    expect(ended).to.be.greaterThan(0);
    await eventually(async () => !(await signedIn(browser)), 2000, 'instance A to drop the ended session');
  });

  it('reads sessions from the database while it cannot listen, and keeps copies again once it listens', async () => {
    const browser = new WebClient(a.url);
    await signInPartner(browser, partner);
    const { db } = testDatabase();
    // The listening connections are cut, as a database restart or a network fault would cut them.
    await db.raw(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'partner-portal sessions'`);
    await eventually(() => !a.test.sessions.cache.isListening, 5000, 'instance A to notice');
    expect(a.test.sessions.cache.size).to.equal(0);
    let before = a.sessionReads;
    expect(await signedIn(browser)).to.equal(true);
    expect(await signedIn(browser)).to.equal(true);
    expect(a.sessionReads - before, 'every request read the session').to.equal(2);

    await eventually(() => a.test.sessions.cache.isListening, 5000, 'instance A to listen again');
    expect(await signedIn(browser)).to.equal(true);
    before = a.sessionReads;
    expect(await signedIn(browser)).to.equal(true);
    expect(a.sessionReads - before, 'served from memory again').to.equal(0);
  });

  it('gives the session a new revision when the idle clock moves it, so no instance serves the older copy', async () => {
    const browser = new WebClient(a.url);
    await signInPartner(browser, partner);
    expect(await signedIn(browser)).to.equal(true);
    const cookieOf = (name: string) => browser.cookieHeader().split('; ').find((c) => c.startsWith(`${name}=`))!;
    const sid = sessionIdFrom(cookieOf('portal.sid'))!;
    const { db } = testDatabase();
    const stored = await db('session').where({ sid }).first('sess');
    // Last seen two minutes ago: the next request moves the idle clock.
    await rewriteStoredSession(a.test.sessions, sid, { ...stored.sess, lastSeenAt: Date.now() - 2 * 60_000 });
    const before = cookieOf(REVISION_COOKIE);
    expect(await signedIn(browser)).to.equal(true);
    expect(cookieOf(REVISION_COOKIE)).not.to.equal(before);
    await eventually(
      async () => {
        const now = await db('session').where({ sid }).first('sess');
        return `${REVISION_COOKIE}=${now.sess.rev}` === cookieOf(REVISION_COOKIE);
      },
      5000,
      'the stored session to carry the new revision',
    );
  });

  it('keeps at most one copy per session, whatever the traffic', async () => {
    const storage: SessionStorage = a.test.sessions;
    const browser = new WebClient(a.url);
    await signInPartner(browser, partner);
    const size = storage.cache.size;
    for (let i = 0; i < 10; i += 1) await browser.get(paths.partner.accounts);
    expect(storage.cache.size).to.equal(size);
  });
});
