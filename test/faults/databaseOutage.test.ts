// PostgreSQL goes away while people use the product, and comes back. The app runs on a
// PostgreSQL of this test's own (the suite's shared one keeps running), with partners
// buying, customers registering and browsing, and a backup client reporting, all at once.
import crypto from 'node:crypto';
import { expect } from 'chai';
import { paths } from '../../lib/paths.ts';
import { placePurchase } from '../../models/purchases.ts';
import { activateInstallation } from '../../models/installations.ts';
import { completeRegistration as completeRegistrationInModel } from '../../models/registration.ts';
import { partnerSessionUser } from '../support/fixtures.ts';
import { createTestPartner, uniqueEmail, type TestPartner } from '../support/app.ts';
import { CUSTOMER_PASSWORD } from '../support/customers.ts';
import { startOwnDatabase, type OwnDatabase } from './support/ownDatabase.ts';
import { serveAppOn, type AppOnDatabase } from './support/appOn.ts';
import { WebClient, type Exchange } from './support/webClient.ts';
import { completeRegistration, purchase, purchaseFields, registrationLinkOn, signInCustomer, signInPartner } from './support/journeys.ts';
import { textOf, titleOf } from './support/html.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Longest any request may take, database down or not: the pool gives up after 5 s.
const REQUEST_BOUND_MS = 8000;

interface Timeline {
  stopRequestedAt: number;
  downAt: number;
  startRequestedAt: number;
  upAt: number;
  readyAt: number;
}

interface ActorReport {
  name: string;
  iterationsBeforeOutage: number;
  failuresDuringOutage: number;
  // Iterations begun once the app answered ready again: every one must succeed.
  succeededAfterRecovery: number;
  failedAfterRecovery: string[];
}

describe('fault: PostgreSQL goes away mid-traffic', function () {
  this.timeout(120_000);
  let database: OwnDatabase;
  let served: AppOnDatabase;
  let partner: TestPartner;
  const exchanges: Exchange[] = [];
  const reports: ActorReport[] = [];
  const purchasedEmails: string[] = [];
  let timeline: Timeline;

  before(async () => {
    database = await startOwnDatabase('outage');
    served = await serveAppOn(database.url);
    partner = await createTestPartner('Outage Test IT', served.db);
  });

  after(async () => {
    await served?.close();
    await database?.dispose();
  });

  const client = () => new WebClient(served.url, { timeoutMs: 15_000, onExchange: (e) => exchanges.push(e) });

  it('keeps serving traffic through a stop and a restart of PostgreSQL', async () => {
    const { db, config } = served;
    const buyer = partnerSessionUser(partner);
    // Customer-managed accounts whose links the registration traffic completes, one per try.
    const links: string[] = [];
    for (let i = 0; i < 40; i += 1) {
      const { accountId } = await placePurchase(db, buyer, {
        purchaseKey: crypto.randomUUID(), customerName: `Outage Customer ${i}`, customerEmail: uniqueEmail('outage'),
        productId: 'safe', planId: 'safe-basic', computers: 1, termYears: 1, administrator: 'customer',
      }, { config });
      links.push(await registrationLinkOn(db, accountId));
    }
    // A registered customer with a computer that reports backups.
    const customerEmail = uniqueEmail('outage-customer');
    const { accountId: customerAccountId } = await placePurchase(db, buyer, {
      purchaseKey: crypto.randomUUID(), customerName: 'Outage Portal Customer', customerEmail,
      productId: 'safe-backup-pro', planId: 'sbp-core', computers: 5, termYears: 1, administrator: 'customer',
    }, { config });
    const invitation = await db('registration_invitations').where({ customer_account_id: customerAccountId }).first('id');
    const [q1, q2] = (await db('security_questions').orderBy('id').limit(2).select('id')).map((r) => r.id as number);
    const registered = await completeRegistrationInModel(db, invitation.id, {
      password: CUSTOMER_PASSWORD, question1Id: q1, answer1: 'Rex', question2Id: q2, answer2: 'Town', firstName: 'Morgan', lastName: 'Reyes',
    }, {});
    expect(registered.outcome).to.equal('completed');
    const keyCode = (await db('subscriptions').where({ customer_account_id: customerAccountId }).first('key_code')).key_code as string;
    const { deviceToken } = await activateInstallation(db, { keyCode, computerName: 'Outage-PC', platform: 'windows' });

    const partnerClient = client();
    await signInPartner(partnerClient, partner);
    const buyers = [client(), client()];
    for (const b of buyers) await signInPartner(b, partner);
    const customer = client();
    await signInCustomer(customer, customerEmail, CUSTOMER_PASSWORD);
    const knownAccount = await purchase(partnerClient, purchaseFields({ administrator: 'partner', customerEmail: uniqueEmail('known') }));

    let phase: 'before' | 'outage' | 'recovered' = 'before';
    let done = false;
    let readyAt = 0;
    let backupMinute = 0;

    async function actor(name: string, iteration: () => Promise<void>, pauseMs = 50): Promise<void> {
      const report: ActorReport = { name, iterationsBeforeOutage: 0, failuresDuringOutage: 0, succeededAfterRecovery: 0, failedAfterRecovery: [] };
      reports.push(report);
      while (!done) {
        const startedIn = phase;
        const startedAt = Date.now();
        try {
          await iteration();
          if (startedIn === 'before') report.iterationsBeforeOutage += 1;
          if (startedIn === 'recovered' && readyAt > 0 && startedAt >= readyAt) report.succeededAfterRecovery += 1;
        } catch (error) {
          if (startedIn === 'recovered' && readyAt > 0 && startedAt >= readyAt) report.failedAfterRecovery.push(String((error as Error).message));
          else if (phase !== 'before') report.failuresDuringOutage += 1;
          else throw error;
        }
        await sleep(pauseMs);
      }
    }

    async function getOk(c: WebClient, url: string): Promise<void> {
      const res = await c.get(url);
      if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}`);
    }

    const actors = [
      actor('partner browsing', async () => {
        await getOk(partnerClient, paths.partner.accounts);
        await getOk(partnerClient, paths.partner.account(knownAccount));
      }),
      ...buyers.map((b, n) =>
        actor(`partner buying ${n + 1}`, async () => {
          const fields = purchaseFields({ customerEmail: uniqueEmail(`bought${n}`), administrator: n === 0 ? 'customer' : 'partner' });
          purchasedEmails.push(fields.customerEmail);
          await purchase(b, fields);
        }),
      ),
      actor('customer registering', async () => {
        const link = links.shift();
        if (link) await completeRegistration(client(), link);
        else await sleep(200);
      }, 250),
      actor('customer browsing', async () => {
        await getOk(customer, paths.portal.home);
        await getOk(customer, paths.portal.settings);
      }),
      actor('backup client', async () => {
        backupMinute += 1;
        const completedAt = new Date(Date.UTC(2025, 0, 1, 0, backupMinute)).toISOString();
        const res = await client().request('POST', paths.api.backups, {
          contentType: 'application/json',
          headers: { authorization: `Bearer ${deviceToken}` },
          body: JSON.stringify({ completedAt, bytes: 1000 + backupMinute, files: backupMinute }),
        });
        if (res.status !== 201) throw new Error(`backup report answered ${res.status}`);
      }),
      actor('readiness probe', async () => {
        const res = await client().get(paths.ready);
        if (phase === 'recovered' && res.status === 200 && readyAt === 0) readyAt = Date.now();
        if (res.status !== 200) throw new Error(`readyz answered ${res.status}`);
      }, 200),
    ];
    const running = Promise.all(actors);

    await sleep(2500);
    phase = 'outage';
    const stopRequestedAt = Date.now();
    await database.stop();
    const downAt = Date.now();
    await sleep(4000);
    const startRequestedAt = Date.now();
    await database.start();
    const upAt = Date.now();
    phase = 'recovered';
    const deadline = Date.now() + 20_000;
    while (readyAt === 0 && Date.now() < deadline) await sleep(100);
    expect(readyAt, '/readyz answered 200 within 20 s of PostgreSQL being back').to.be.greaterThan(0);
    await sleep(3000);
    done = true;
    await running;
    timeline = { stopRequestedAt, downAt, startRequestedAt, upAt, readyAt };

    const whileDown = exchanges.filter((e) => e.startedAt >= downAt && e.endedAt <= startRequestedAt);
    console.log(`      ${exchanges.length} requests; ${whileDown.length} while PostgreSQL was down; ready again ${readyAt - upAt} ms after it was back`);
    for (const report of reports) {
      expect(report.iterationsBeforeOutage, `${report.name}: worked before the outage`).to.be.greaterThan(0);
    }
  });

  it('answers every request within a bound, and never with a 500', () => {
    expect(timeline, 'the traffic run finished').to.be.an('object');
    expect(exchanges.length).to.be.greaterThan(50);
    const slow = exchanges.filter((e) => e.status === 0 || e.endedAt - e.startedAt > REQUEST_BOUND_MS);
    expect(slow.map((e) => `${e.method} ${e.url} ${e.status} ${e.endedAt - e.startedAt} ms ${e.error ?? ''}`)).to.deep.equal([]);
    const broken = exchanges.filter((e) => e.status >= 500 && e.status !== 503);
    expect(broken.map((e) => `${e.method} ${e.url} ${e.status}`)).to.deep.equal([]);
  });

  it('answers a clear 503 (the unavailable page, or JSON for the API and /readyz) while the database is down', () => {
    expect(timeline, 'the traffic run finished').to.be.an('object');
    const down = exchanges.filter((e) => e.startedAt >= timeline.downAt && e.endedAt <= timeline.startRequestedAt);
    expect(down.length, 'requests were made while the database was down').to.be.greaterThan(20);
    for (const e of down) {
      const where = `${e.method} ${e.url}`;
      expect(e.status, where).to.equal(503);
      const res = e.res!;
      const path = new URL(e.url).pathname;
      if (path !== paths.ready) expect(res.headers.get('retry-after'), where).to.match(/^\d+$/);
      if (path === paths.ready) {
        expect(JSON.parse(res.text), where).to.include({ status: 'unavailable' });
      } else if (path.startsWith('/api/')) {
        expect(JSON.parse(res.text).message, where).to.match(/briefly unavailable/);
      } else {
        expect(res.headers.get('content-type'), where).to.match(/^text\/html/);
        expect(titleOf(res.text), where).to.match(/^Service unavailable/);
        expect(textOf(res.text), where).to.match(/briefly unavailable/);
      }
    }
    const probes = down.filter((e) => new URL(e.url).pathname === paths.ready);
    expect(probes.length, '/readyz was asked while down').to.be.greaterThan(3);
  });

  it('serves again once PostgreSQL is back, without a restart of the app', () => {
    expect(timeline, 'the traffic run finished').to.be.an('object');
    expect(timeline.readyAt - timeline.upAt, 'ready within 10 s of the database').to.be.lessThan(10_000);
    for (const report of reports) {
      expect(report.failedAfterRecovery, `${report.name} after recovery`).to.deep.equal([]);
      expect(report.succeededAfterRecovery, `${report.name} worked again after recovery`).to.be.greaterThan(0);
      expect(report.failuresDuringOutage, `${report.name} was refused during the outage`).to.be.greaterThan(0);
    }
  });

  it('leaves no purchase, registration or backup half-written', async () => {
    const { db } = served;
    expect(purchasedEmails.length).to.be.greaterThan(4);
    const accounts = await db('customer_accounts').whereIn('email', purchasedEmails).select('id', 'email', 'administrator', 'status');
    expect(accounts.length, 'purchases landed').to.be.greaterThan(2);
    expect(new Set(accounts.map((a) => a.email)).size, 'no purchase placed twice').to.equal(accounts.length);

    // Every account: its subscription and its audit event; a customer-managed one its link and email.
    const incompleteAccounts = await db.raw(`
      SELECT a.id FROM customer_accounts a
       WHERE a.partner_id = ?
         AND (NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.customer_account_id = a.id)
          OR NOT EXISTS (SELECT 1 FROM audit_events e WHERE e.customer_account_id = a.id AND e.action = 'purchase.completed')
          OR (a.administrator = 'customer' AND NOT EXISTS (SELECT 1 FROM registration_invitations i WHERE i.customer_account_id = a.id))
          OR (a.administrator = 'customer' AND NOT EXISTS (
                SELECT 1 FROM outbox_emails o WHERE o.customer_account_id = a.id AND o.template = 'registration-invitation')))`, [partner.partnerId]);
    expect(incompleteAccounts.rows).to.deep.equal([]);

    // A registration is the customer user, the link used, the account active and registered, and its audit event: all or none.
    const halfRegistered = await db.raw(`
      SELECT a.id,
             EXISTS (SELECT 1 FROM customer_users u WHERE u.customer_account_id = a.id) AS has_user,
             EXISTS (SELECT 1 FROM registration_invitations i WHERE i.customer_account_id = a.id AND i.used_at IS NOT NULL) AS link_used,
             (a.status = 'active' AND a.registered_at IS NOT NULL) AS registered,
             EXISTS (SELECT 1 FROM audit_events e WHERE e.customer_account_id = a.id AND e.action = 'registration.completed') AS audited
        FROM customer_accounts a
       WHERE a.partner_id = ? AND a.administrator = 'customer'`, [partner.partnerId]);
    const mixed = halfRegistered.rows.filter((r: Record<string, boolean>) => new Set([r.has_user, r.link_used, r.registered, r.audited]).size > 1);
    expect(mixed).to.deep.equal([]);
    expect(halfRegistered.rows.filter((r: Record<string, boolean>) => r.has_user).length, 'registrations completed').to.be.greaterThan(1);

    // A backup report is its row and the installation's last backup moved: never one without the other.
    const stale = await db.raw(`
      SELECT n.id FROM installations n
       WHERE n.last_backup_at IS DISTINCT FROM (SELECT max(b.completed_at) FROM backups b WHERE b.installation_id = n.id)`);
    expect(stale.rows).to.deep.equal([]);
  });
});
