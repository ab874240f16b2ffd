// Nobody sees or changes what is not theirs. Every address in lib/paths.ts (so a new one is
// swept the day it is declared) is asked, by GET and by POST with a real CSRF token, by
// partner A with partner B's ids, by A's customer with B's customer's ids, by each kind of
// user on the other's pages, and by nobody: the answer is a 404 or a redirect to sign-in
// wherever the page is not theirs, and no answer ever carries B's data. The app runs with
// production settings, as the product is exposed.
import { expect } from 'chai';
import { paths } from '../../lib/paths.ts';
import { activateInstallation } from '../../models/installations.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, listen, type TestApp, type TestPartner } from '../support/app.ts';
import { purchaseFor, type TestAccount } from '../support/fixtures.ts';
import { pathOf, registeredCustomer, type RegisteredCustomer } from '../support/customers.ts';
import { WebClient, type WebResponse } from './support/webClient.ts';
import { signInCustomer, signInPartner } from './support/journeys.ts';
import { partnerSessionUser } from '../support/fixtures.ts';
import { inviteUser } from '../../models/partnerInvitations.ts';
import { directCustomer, type DirectCustomer } from '../support/directCustomers.ts';
import { askToManage } from '../../models/partnerRequests.ts';
import { saveBulkUpload } from '../../models/bulkPurchases.ts';

const db = () => testDatabase().db;

interface Route {
  name: string; // paths.partner.account
  area: 'partner' | 'portal' | 'registration' | 'devMailbox' | 'api' | 'site';
  build?: (value: string) => string;
  param?: string;
  url?: string;
}

// Every leaf of lib/paths.ts, with the name of its parameter when it has one.
function routesOf(tree: Record<string, unknown>, prefix = 'paths'): Route[] {
  const routes: Route[] = [];
  for (const [key, value] of Object.entries(tree)) {
    const name = `${prefix}.${key}`;
    const area = (prefix === 'paths' ? 'site' : prefix.split('.')[1]) as Route['area'];
    if (typeof value === 'string') routes.push({ name, area, url: value });
    else if (typeof value === 'function') {
      const param = /^\s*(?:async\s*)?\(?\s*([\w$]+)/.exec(String(value))?.[1] ?? '?';
      routes.push({ name, area, param, build: value as (v: string) => string });
    } else if (value && typeof value === 'object') routes.push(...routesOf(value as Record<string, unknown>, name));
  }
  return routes;
}

// Addresses anyone may open: what they show must still carry nobody else's data.
const PUBLIC = new Set<string>([
  paths.home, paths.health, paths.ready, paths.partner.signIn, paths.partner.signOut, paths.partner.forgotPassword,
  paths.portal.signIn, paths.portal.signOut, paths.portal.forgotPassword, paths.registration.newLink,
]);

interface Party {
  partner: TestPartner;
  pending: TestAccount; // customer-managed, registration link out
  managed: TestAccount; // the partner administers it, a computer activated
  customer: RegisteredCustomer;
  journeyId: string; // a registration under way in the customer's own browser
  invitationId: number; // a team invitation not yet accepted
  orderId: number; // the order of one of its purchases
  uploadId: string; // a bulk purchase file in its preview, not placed
  markers: string[]; // what would show that a page leaked this party's data
}

describe('fault: isolation sweep', function () {
  this.timeout(120_000);
  let t: TestApp;
  let server: { url: string; close(): Promise<void> };
  let a: Party;
  let b: Party;
  // A direct account (no partner, issue 16): never any partner's, by id, list or search.
  let direct: DirectCustomer & { markers: string[] };
  // Partner B's request to manage the direct account, still pending (Add an existing customer).
  let directRequestId: number;
  const findings: string[] = [];
  let asked = 0;

  async function party(label: string): Promise<Party> {
    const unique = `${label}${Date.now().toString(36)}`;
    const partner = await createTestPartner(`Company ${unique}`);
    const pending = await purchaseFor(partner, { customerName: `Pending ${unique}` });
    const managed = await purchaseFor(partner, { customerName: `Managed ${unique}`, administrator: 'partner', productId: 'safe-backup-pro', planId: 'sbp-core', computers: 3 });
    const { serialNumber } = await activateInstallation(db(), { keyCode: managed.keyCode, computerName: `PC-${unique}`, platform: 'windows' });
    const customer = await registeredCustomer(partner, { customerName: `Registered ${unique}` });
    const linkOwner = new WebClient(server.url);
    const row = await db()('outbox_emails').where({ customer_account_id: pending.accountId, template: 'registration-invitation' }).orderBy('id', 'desc').first('data');
    const opened = await linkOwner.get(pathOf(row.data.registrationUrl as string));
    const journeyId = decodeURIComponent(/^\/register\/([^/]+)\//.exec(opened.location!)![1]);
    const inviteeEmail = `invitee.${unique.toLowerCase()}@example.test`;
    const invitationId = await inviteUser(db(), partnerSessionUser(partner), { email: inviteeEmail, role: 'staff' }, { config: t.config });
    const { order_id: orderId } = await db()('order_lines').where({ customer_account_id: managed.accountId }).first('order_id');
    // The file's name is a marker: a preview, result or report shown to another party would show it.
    const uploadId = await saveBulkUpload(db(), partnerSessionUser(partner), { fileName: `purchases-${unique}.csv`, rows: [] });
    return {
      partner, pending, managed, customer, journeyId, invitationId, orderId, uploadId,
      markers: [unique, partner.email, inviteeEmail, pending.email, managed.email, customer.email, pending.keyCode, managed.keyCode, customer.keyCode, serialNumber],
    };
  }

  // What changes a POST of another party could have made: nothing of these may move.
  async function footprint(p: Party): Promise<string> {
    const accounts = [p.pending.accountId, p.managed.accountId, p.customer.accountId];
    const rows = await Promise.all([
      db()('customer_accounts').whereIn('id', accounts).orderBy('id').select('id', 'partner_id', 'administrator', 'status', 'email', 'updated_at'),
      db()('registration_invitations').whereIn('customer_account_id', accounts).count('* as n'),
      db()('outbox_emails').whereIn('customer_account_id', accounts).count('* as n'),
      db()('audit_events').whereIn('customer_account_id', accounts).count('* as n'),
      db()('customer_users').whereIn('customer_account_id', accounts).select('id', 'password_hash'),
      db()('partner_users').where({ partner_id: p.partner.partnerId }).orderBy('id').select('id', 'role', 'deactivated_at', 'totp_enabled_at'),
      db()('partner_invitations').where({ partner_id: p.partner.partnerId }).orderBy('id').select('id', 'token_hash', 'revoked_at', 'accepted_at'),
    ]);
    return JSON.stringify(rows);
  }

  before(async () => {
    t = buildTestApp({ NODE_ENV: 'production', SMTP_URL: 'smtp://127.0.0.1:2525' });
    server = await listen(t.app);
    a = await party('Alpha');
    b = await party('Bravo');
    const unique = `Direct${Date.now().toString(36)}`;
    const made = await directCustomer({ name: `Casey ${unique}` });
    const { key_code: keyCode } = await db()('subscriptions').where({ customer_account_id: made.accountId }).first('key_code');
    const { serialNumber } = await activateInstallation(db(), { keyCode, computerName: `PC-${unique}`, platform: 'mac' });
    direct = { ...made, markers: [unique, made.email, keyCode, serialNumber] };
    await askToManage(db(), partnerSessionUser(b.partner), made.email, { config: t.config });
    directRequestId = Number((await db()('partner_requests').where({ customer_account_id: made.accountId }).first('id')).id);
  });

  after(async () => {
    await server.close();
    await t.close();
  });

  // The value another party's id takes for each kind of parameter: B's, seen from A's side.
  function victimValues(route: Route): string[] {
    switch (route.param) {
      case 'accountId':
        return [b.pending.accountId, b.managed.accountId, b.customer.accountId, direct.accountId].map(String);
      case 'journeyId':
        return [b.journeyId];
      case 'messageId':
        return ['1'];
      case 'userId':
        return [String(b.partner.userId)];
      case 'invitationId':
        return [String(b.invitationId)];
      case 'orderId':
        return [String(b.orderId)];
      case 'requestId':
        return [String(directRequestId)];
      case 'uploadId':
        return [b.uploadId];
      // The partner's logo is public (their customers' emails show it): B's, which must carry none of B's data.
      case 'partnerId':
        return [String(b.partner.partnerId)];
      // Tokens are the emailed secrets themselves, not ids: one of the right shape that nobody holds.
      case 'token':
        return ['Q'.repeat(43)];
      default:
        throw new Error(`${route.name} takes "${route.param}": tell the isolation sweep which id of another user to try in it`);
    }
  }

  function leaked(res: WebResponse): string | undefined {
    return [...b.markers, ...direct.markers].find((marker) => res.text.includes(marker) || (res.location ?? '').includes(marker));
  }

  interface Visitor {
    kind: 'partner' | 'customer' | 'anonymous';
    client: WebClient;
    csrf: string;
  }

  async function visitor(kind: Visitor['kind']): Promise<Visitor> {
    const client = new WebClient(server.url);
    if (kind === 'partner') await signInPartner(client, a.partner);
    if (kind === 'customer') await signInCustomer(client, a.customer.email, a.customer.password);
    const page = await client.get(kind === 'partner' ? paths.partner.accounts : kind === 'customer' ? paths.portal.home : paths.partner.signIn);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
    if (!csrf) throw new Error(`no CSRF token for the ${kind} visitor`);
    return { kind, client, csrf };
  }

  // What visitor v must get at a page of `route` that is not theirs to see.
  function expectRefused(v: Visitor, route: Route, method: string, url: string, res: WebResponse): void {
    const what = `${v.kind} ${method} ${url} (${route.name})`;
    const signInOf = route.area === 'partner' ? paths.partner.signIn : paths.portal.signIn;
    const ownArea = (v.kind === 'partner' && route.area === 'partner') || (v.kind === 'customer' && route.area === 'portal');
    const toSignIn = res.status === 303 && (res.location ?? '').startsWith(signInOf);
    if (route.param === 'token') {
      // An emailed link nobody holds: the link's own "no longer works" page, whoever asks.
      if (res.status !== 404) findings.push(`${what}: answered ${res.status}, expected 404`);
    } else if (route.area === 'partner' || route.area === 'portal') {
      if (ownArea ? res.status !== 404 : !toSignIn) findings.push(`${what}: answered ${res.status}${res.location ? ` -> ${res.location}` : ''}, expected ${ownArea ? '404' : `a redirect to ${signInOf}`}`);
    } else if (res.status !== 404 && !(route.area === 'api' && res.status >= 400 && res.status < 500)) {
      findings.push(`${what}: answered ${res.status}, expected 404`);
    }
  }

  async function ask(v: Visitor, route: Route, method: 'GET' | 'POST', url: string): Promise<WebResponse> {
    asked += 1;
    const body = { _csrf: v.csrf, email: 'attacker@example.test', purchaseKey: '00000000-0000-4000-8000-000000000000', journey: b.journeyId };
    const res = method === 'GET' ? await v.client.get(url) : await v.client.post(url, body);
    if (res.status >= 500) findings.push(`${v.kind} ${method} ${url} (${route.name}): answered ${res.status}`);
    const marker = leaked(res);
    if (marker) findings.push(`${v.kind} ${method} ${url} (${route.name}): shows partner B's data (${marker})`);
    return res;
  }

  it('finds every address of lib/paths.ts and knows which id of another user to try in each', () => {
    const routes = routesOf(paths as unknown as Record<string, unknown>);
    expect(routes.length).to.be.greaterThan(25);
    for (const route of routes.filter((r) => r.build)) expect(() => victimValues(route), route.name).not.to.throw();
  });

  it('refuses every address with another party’s ids, every area to the other kind of user, and shows B’s data to nobody', async () => {
    const before = await footprint(b);
    const directBefore = await directFootprint();
    const routes = routesOf(paths as unknown as Record<string, unknown>);
    const visitors = [await visitor('partner'), await visitor('customer'), await visitor('anonymous')];
    // Signing out ends the visitor's session: those go last.
    const ordered = [...routes.filter((r) => !r.name.endsWith('.signOut')), ...routes.filter((r) => r.name.endsWith('.signOut'))];
    for (const v of visitors) {
      for (const route of ordered) {
        const urls = route.build ? victimValues(route).map(route.build) : [route.url!];
        for (const url of urls) {
          for (const method of ['GET', 'POST'] as const) {
            const res = await ask(v, route, method, url);
            const isPublic = route.url !== undefined && PUBLIC.has(route.url);
            const ownPlainPage = route.url !== undefined && ((v.kind === 'partner' && route.area === 'partner') || (v.kind === 'customer' && route.area === 'portal'));
            // A's own pages without ids (A's Accounts list, A's Portal) may answer; they just must not show B.
            if (isPublic || ownPlainPage || route.area === 'site') continue;
            expectRefused(v, route, method, url, res);
          }
        }
      }
    }
    console.log(`      isolation sweep: ${asked} requests over ${routes.length} addresses`);
    expect(findings).to.deep.equal([]);
    expect(await footprint(b), 'nothing of partner B changed').to.equal(before);
    expect(await directFootprint(), 'nothing of the direct account changed').to.equal(directBefore);
  });

  async function directFootprint(): Promise<string> {
    const rows = await Promise.all([
      db()('customer_accounts').where({ id: direct.accountId }).select('id', 'partner_id', 'administrator', 'status', 'email', 'updated_at'),
      db()('subscriptions').where({ customer_account_id: direct.accountId }).select('partner_id', 'ends_on', 'computers_allowed'),
      db()('outbox_emails').where({ customer_account_id: direct.accountId }).count('* as n'),
      db()('audit_events').where({ customer_account_id: direct.accountId }).count('* as n'),
      db()('customer_users').where({ customer_account_id: direct.accountId }).select('id', 'password_hash'),
      db()('partner_requests').where({ customer_account_id: direct.accountId }).orderBy('id').select('id', 'status', 'partner_id'),
    ]);
    return JSON.stringify(rows);
  }

  it('shows a pending request’s account to nobody, the partner who asked included, before Accept', async () => {
    const requester = new WebClient(server.url);
    await signInPartner(requester, b.partner);
    expect((await requester.get(paths.partner.account(direct.accountId))).status).to.equal(404);
    for (const url of [`${paths.partner.accounts}?q=${encodeURIComponent(direct.email)}`, paths.partner.overview, paths.partner.accountsCsv, paths.partner.activity]) {
      const res = await requester.get(url);
      expect(res.status, url).to.equal(200);
      // The search box and B's Activity show the email B typed: theirs already. Nothing else of the account.
      expect(direct.markers.filter((m) => m !== direct.email).find((m) => res.text.includes(m)), url).to.equal(undefined);
      if (url.includes('?q=')) expect(res.text, url).to.include('No accounts match these filters.');
    }
  });

  it('never shows a direct account to a partner: not its Dashboard, nor in the list, a search, the Overview or the CSV', async () => {
    const v = await visitor('partner');
    const pages = [
      paths.partner.account(direct.accountId),
      paths.partner.accounts,
      `${paths.partner.accounts}?q=${encodeURIComponent(direct.email)}`,
      `${paths.partner.accounts}?q=${encodeURIComponent(direct.name)}`,
      paths.partner.overview,
      paths.partner.accountsCsv,
    ];
    for (const url of pages) {
      const res = await v.client.get(url);
      if (url === pages[0]) expect(res.status, url).to.equal(404);
      else expect(res.status, url).to.equal(200);
      // A search page shows what was searched for in its box: that word alone proves nothing.
      const searched = decodeURIComponent(/[?&]q=([^&]*)/.exec(url)?.[1] ?? '');
      const html = searched ? res.text.split(searched).join('').split(encodeURIComponent(searched)).join('') : res.text;
      expect(direct.markers.find((m) => html.includes(m)), url).to.equal(undefined);
      if (searched) expect(res.text, url).to.include('No accounts match these filters.');
    }
    const own = await v.client.get(`${paths.partner.accounts}?q=${encodeURIComponent(a.customer.email)}`);
    expect(own.text, 'the search does find A’s own customer').to.include(a.customer.email);
  });

  it('shows partner A’s own pages with A’s data and none of B’s (the sweep can tell data from none)', async () => {
    const v = await visitor('partner');
    const list = await v.client.get(paths.partner.accounts);
    expect(list.status).to.equal(200);
    expect(a.markers.some((m) => list.text.includes(m)), 'A sees A’s accounts').to.equal(true);
    expect(leaked(list)).to.equal(undefined);
    const own = await v.client.get(paths.partner.account(a.managed.accountId));
    expect(own.status).to.equal(200);
    expect(own.text).to.include(a.managed.keyCode);
    const other = await v.client.get(paths.partner.account(b.managed.accountId));
    expect(other.status).to.equal(404);
  });
});
