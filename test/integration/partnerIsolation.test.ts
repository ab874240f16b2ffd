import { expect } from 'chai';
import type supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, getForm, signInPartner, uniqueEmail, type TestApp, type TestPartner } from '../support/app.ts';
import { purchaseFor, type TestAccount } from '../support/fixtures.ts';
import { partnerRouter } from '../../routes/partner.ts';
import type { RouterDeps } from '../../lib/deps.ts';

interface RouteInfo {
  path: string;
  method: 'get' | 'post';
}

// Every route of the partner area that takes an account id, read from the router itself, so
// a route added later is swept too.
function accountRoutes(deps: RouterDeps): RouteInfo[] {
  const router = partnerRouter(deps) as unknown as { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
  return router.stack
    .filter((layer) => layer.route?.path.includes(':accountId'))
    .flatMap((layer) => Object.keys(layer.route!.methods).map((method) => ({ path: layer.route!.path, method: method as 'get' | 'post' })));
}

async function snapshot(accountIds: number[]) {
  const { db } = testDatabase();
  return {
    accounts: await db('customer_accounts').whereIn('id', accountIds).orderBy('id').select('id', 'email', 'administrator', 'status', 'updated_at'),
    invitations: await db('registration_invitations').whereIn('customer_account_id', accountIds).orderBy('id').select('id', 'voided_at'),
    emails: await db('outbox_emails').whereIn('customer_account_id', accountIds).count<{ count: number }[]>('* as count'),
    audit: await db('audit_events').whereIn('customer_account_id', accountIds).count<{ count: number }[]>('* as count'),
  };
}

describe('tenant isolation: a partner reaches none of another partner’s accounts', () => {
  let t: TestApp;
  let mine: TestPartner;
  let theirs: TestPartner;
  let agent: supertest.Agent;
  let myAccount: TestAccount;
  let theirAccounts: TestAccount[];
  let deps: RouterDeps;

  before(async () => {
    t = buildTestApp();
    // The router is only built, never served: its handlers need no more than this.
    deps = { config: t.config, db: testDatabase().db } as unknown as RouterDeps;
    mine = await createTestPartner('Isolation Mine IT');
    theirs = await createTestPartner('Isolation Theirs IT');
    agent = await signInPartner(t.app, mine);
    myAccount = await purchaseFor(mine, { customerName: 'My Own Bakery', administrator: 'partner' });
    theirAccounts = [
      await purchaseFor(theirs, { customerName: 'Their Secret Dental' }),
      await purchaseFor(theirs, { customerName: 'Their Hidden Law', administrator: 'partner' }),
    ];
  });
  after(() => t.close());

  it('finds the account routes to sweep', () => {
    const routes = accountRoutes(deps);
    expect(routes.map((r) => `${r.method.toUpperCase()} ${r.path}`)).to.include.members([
      'GET /partner/accounts/:accountId',
      'GET /partner/accounts/:accountId/install',
      'POST /partner/accounts/:accountId/resend-registration',
      'GET /partner/accounts/:accountId/hand-over',
      'POST /partner/accounts/:accountId/hand-over',
    ]);
  });

  it('answers 404 on every account route, GET and POST, for the other partner’s accounts, and changes nothing', async () => {
    const routes = accountRoutes(deps);
    const ids = theirAccounts.map((a) => a.accountId);
    const before = await snapshot(ids);
    const { csrf } = await getForm(agent, paths.partner.newPurchase);
    for (const route of routes) {
      for (const id of ids) {
        const url = route.path.replace(':accountId', String(id));
        const res =
          route.method === 'get'
            ? await agent.get(url)
            : await agent.post(url).type('form').send({ _csrf: csrf, email: uniqueEmail('takeover') });
        expect(res.status, `${route.method.toUpperCase()} ${url}`).to.equal(404);
        expect(res.text).not.to.include('Their Secret Dental');
        expect(res.text).not.to.include('Their Hidden Law');
      }
    }
    expect(await snapshot(ids)).to.deep.equal(before);
  });

  it('answers the same routes for the partner’s own account, so the 404s above are the isolation at work', async () => {
    const routes = accountRoutes(deps);
    for (const route of routes.filter((r) => r.method === 'get')) {
      const res = await agent.get(route.path.replace(':accountId', String(myAccount.accountId)));
      // A review page with no journey under way sends the partner to the journey's first step,
      // on the same account (Renew, Upgrade), and Upgrade to a paid subscription of a paid
      // account to its Dashboard: those are answers too, never a 404.
      if (res.status === 303) expect(res.headers.location, route.path).to.match(new RegExp(`^${paths.partner.account(myAccount.accountId)}(/|$)`));
      else expect(res.status, route.path).to.equal(200);
    }
  });

  it('answers 404 for the activity of the other partner’s account', async () => {
    for (const account of theirAccounts) await agent.get(`${paths.partner.activity}?account=${account.accountId}`).expect(404);
  });

  it('shows none of the other partner’s accounts in the list, a search, the counts, the CSV or the activity', async () => {
    for (const url of [paths.partner.accounts, `${paths.partner.accounts}?q=their`, `${paths.partner.accounts}?q=secret&status=pending`, paths.partner.activity]) {
      const res = await agent.get(url).expect(200);
      expect(res.text, url).not.to.include('Their Secret Dental');
      expect(res.text, url).not.to.include('Their Hidden Law');
    }
    const search = await agent.get(`${paths.partner.accounts}?q=their`).expect(200);
    expect(search.text).to.include('All (0)');
    const csv = await agent.get(`${paths.partner.accountsCsv}?q=their`).expect(200);
    expect(csv.text.trim().split('\r\n')).to.have.length(1);
  });

  it('never shows the other partner’s account for their purchase key', async () => {
    const { db } = testDatabase();
    const { purchase_key: theirKey } = await db('customer_accounts').where({ id: theirAccounts[0].accountId }).first('purchase_key');
    const { csrf } = await getForm(agent, paths.partner.newPurchase);
    const res = await agent.post(paths.partner.completePurchase).type('form').send({ purchaseKey: theirKey, _csrf: csrf }).expect(303);
    expect(res.headers.location).not.to.include(String(theirAccounts[0].accountId));
    expect(await db('customer_accounts').where({ purchase_key: theirKey }).count<{ count: number }[]>('* as count')).to.deep.equal([{ count: 1 }]);
  });
});
