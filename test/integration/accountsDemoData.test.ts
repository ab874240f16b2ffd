import { expect } from 'chai';
import { paths } from '../../lib/paths.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, signInPartner, type TestApp } from '../support/app.ts';
import { signInCustomer } from '../support/customers.ts';
import { countAccountsByStatus } from '../../models/accounts/counts.ts';
import { eachAccountBatch, type AccountRow } from '../../models/accounts/list.ts';
import { clockAt } from '../../models/accounts/statuses.ts';
import { DEMO_CUSTOMER_PASSWORD, DEMO_CUSTOMER_SIGN_IN, DEMO_DIRECT_CUSTOMERS, DEMO_PARTNER_SIGN_IN, DEMO_TEAM, DEMO_TEAM_INVITATION, seedDemoData } from '../../seeds/demo.ts';

describe('demo data: the demo partner’s accounts show every state the product has', function () {
  this.timeout(120_000);
  let t: TestApp;
  let partnerId: number;
  let rows: AccountRow[];

  before(async () => {
    t = buildTestApp();
    const { db } = testDatabase();
    await seedDemoData(db, t.config);
    partnerId = (await db('partner_users').where({ email: DEMO_PARTNER_SIGN_IN.email }).first('partner_id')).partner_id;
    rows = [];
    for await (const batch of eachAccountBatch(db, partnerId, { search: '', sort: 'name' })) rows.push(...batch);
  });
  after(() => t.close());

  it('has a few dozen accounts, in every status, for both products and both administrator choices', async () => {
    expect(rows.length).to.be.within(24, 60);
    const counts = await countAccountsByStatus(testDatabase().db, partnerId, { search: '' }, clockAt());
    for (const status of ['active', 'trial', 'pending', 'link_expired', 'expired'] as const) expect(counts[status], status).to.be.greaterThan(0);
    // One of the demo trials ends within 7 days, so the Overview's trial tile shows it.
    expect(counts.trialEnding, 'trials ending within 7 days').to.equal(1);
    const combos = new Set(rows.map((r) => `${r.productName}/${r.administrator}`));
    expect([...combos].sort()).to.deep.equal(['Safe Backup Pro/customer', 'Safe Backup Pro/partner', 'Safe/customer', 'Safe/partner']);
    for (const product of ['Safe', 'Safe Backup Pro']) {
      // Every paid status for each product; the demo's two trials are one of each product.
      expect(new Set(rows.filter((r) => r.productName === product && r.status !== 'trial').map((r) => r.status)).size, product).to.equal(4);
      expect(rows.filter((r) => r.productName === product && r.status === 'trial'), product).to.have.length(1);
    }
  });

  it('has computers with backup history: recent, stopped days ago, and never', async () => {
    const { db } = testDatabase();
    const installations = await db('installations as i')
      .join('subscriptions as s', 's.id', 'i.subscription_id')
      .where('s.partner_id', partnerId)
      .select('i.id', 'i.last_backup_at');
    const ages = installations.map((i) => (i.last_backup_at ? (Date.now() - i.last_backup_at.getTime()) / 86_400_000 : null));
    expect(ages.some((a) => a !== null && a < 1)).to.equal(true);
    expect(ages.some((a) => a !== null && a >= 5)).to.equal(true);
    expect(ages.some((a) => a === null)).to.equal(true);
    const backups = await db('backups').whereIn('installation_id', installations.map((i) => i.id)).count<{ count: number }[]>('* as count');
    expect(backups[0].count).to.be.greaterThan(installations.length * 5);
  });

  it('has direct customers in no partner’s list, who sign in to their Portal', async () => {
    const { db } = testDatabase();
    const direct = await db('customer_accounts').whereNull('partner_id').select('email', 'status');
    expect(direct.map((a) => a.email).sort()).to.deep.equal(DEMO_DIRECT_CUSTOMERS.map((c) => c.email).sort());
    expect(direct.every((a) => a.status === 'active')).to.equal(true);
    expect(rows.some((r) => DEMO_DIRECT_CUSTOMERS.some((c) => c.name === r.name))).to.equal(false);
    const customer = await signInCustomer(t.app, DEMO_DIRECT_CUSTOMERS[0].email, DEMO_CUSTOMER_PASSWORD);
    const home = await customer.get(paths.portal.home).expect(200);
    expect(home.text).to.include('<h1>Backup Dashboard</h1>');
    expect(home.text).to.include(DEMO_DIRECT_CUSTOMERS[0].name);
  });

  it('lets the demo partner sign in, and the demo customer npm start prints sign in to the Backup Dashboard', async () => {
    const agent = await signInPartner(t.app, DEMO_PARTNER_SIGN_IN);
    const list = await agent.get(paths.partner.accounts).expect(200);
    expect(list.text).to.include('Registration link expired (');
    const customer = await signInCustomer(t.app, DEMO_CUSTOMER_SIGN_IN.email, DEMO_CUSTOMER_SIGN_IN.password);
    const home = await customer.get(paths.portal.home).expect(200);
    expect(home.text).to.include('<h1>Backup Dashboard</h1>');
  });

  it('shows on the demo partner’s Overview its overdue and not-backing-up computers, each number leading to exactly those accounts', async () => {
    const { db } = testDatabase();
    // What the demo's computers say, worked out here from their last backups (default thresholds: 3 and 7 days).
    const installations = await db('installations as i')
      .join('subscriptions as s', 's.id', 'i.subscription_id')
      .where('s.partner_id', partnerId)
      .select('s.customer_account_id as account_id', 'i.last_backup_at');
    const worst = new Map<number, number>();
    for (const i of installations) {
      if (!i.last_backup_at) continue;
      const days = (Date.now() - i.last_backup_at.getTime()) / 86_400_000;
      worst.set(i.account_id, Math.max(worst.get(i.account_id) ?? 0, days));
    }
    const notBackingUp = [...worst].filter(([, days]) => days >= 7).map(([id]) => id).sort((a, b) => a - b);
    const overdue = [...worst].filter(([, days]) => days >= 3 && days < 7).map(([id]) => id).sort((a, b) => a - b);
    expect(notBackingUp.length, 'demo accounts not backing up').to.be.greaterThan(0);
    expect(overdue.length, 'demo accounts overdue').to.be.greaterThan(0);

    const agent = await signInPartner(t.app, DEMO_PARTNER_SIGN_IN);
    const overview = (await agent.get(paths.partner.overview).expect(200)).text.replace(/&amp;/g, '&');
    for (const [heading, ids] of [['Not backing up', notBackingUp], ['Overdue', overdue]] as const) {
      const tile = new RegExp(`<h3 class="tile__heading" id="tile-[a-z-]+">${heading}</h3>\\s*<p class="tile__count"><a href="([^"]+)">(\\d+) accounts?`).exec(overview);
      expect(tile, heading).to.not.equal(null);
      expect(Number(tile![2]), heading).to.equal(ids.length);
      const listed: number[] = [];
      let url: string | undefined = tile![1];
      while (url) {
        const page: string = (await agent.get(url).expect(200)).text.replace(/&amp;/g, '&');
        listed.push(...[...(/<tbody>([\s\S]*?)<\/tbody>/.exec(page)?.[1] ?? '').matchAll(/<td><a href="\/partner\/accounts\/(\d+)">/g)].map((m) => Number(m[1])));
        url = /<a rel="next" href="([^"]+)"/.exec(page)?.[1];
      }
      expect(listed.sort((a, b) => a - b), heading).to.deep.equal(ids);
    }
  });

  it('has a team: an administrator, a User and a Read-only user who sign in with the demo password, and an open invitation', async () => {
    const owner = await signInPartner(t.app, DEMO_PARTNER_SIGN_IN);
    const team = (await owner.get(paths.partner.team).expect(200)).text;
    for (const member of DEMO_TEAM) expect(team).to.include(member.email);
    expect(team).to.include(DEMO_TEAM_INVITATION.email);
    expect(DEMO_TEAM.map((m) => m.role)).to.have.members(['admin', 'staff', 'read_only']);
    const readOnly = await signInPartner(t.app, { email: DEMO_TEAM.find((m) => m.role === 'read_only')!.email, password: DEMO_PARTNER_SIGN_IN.password });
    await readOnly.get(paths.partner.newPurchase).expect(403);
    const admin = await signInPartner(t.app, { email: DEMO_TEAM.find((m) => m.role === 'admin')!.email, password: DEMO_PARTNER_SIGN_IN.password });
    await admin.get(paths.partner.newPurchase).expect(200);
    const company = (await admin.get(paths.partner.company).expect(200)).text;
    expect(company).to.include('support@northwind-it.example');
  });
});
