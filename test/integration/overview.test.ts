import { expect } from 'chai';
import type supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, getForm, signInPartner, submitForm, uniqueEmail, type TestApp, type TestPartner } from '../support/app.ts';
import { purchaseFor, type TestAccount } from '../support/fixtures.ts';
import { installComputer } from '../support/customers.ts';
import { recordBackup } from '../../models/installations.ts';
import { hashSecret } from '../../lib/auth/passwords.ts';
import { TEST_PASSWORD } from '../support/app.ts';

const DAY = 86_400_000;
const db = () => testDatabase().db;

function decode(text: string): string {
  return text.replace(/&#39;/g, "'").replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#34;/g, '"');
}

async function computer(account: TestAccount, name: string, activatedDaysAgo: number, backedUpDaysAgo?: number) {
  const activation = await installComputer(account, name);
  await db()('installations').where({ id: activation.installationId }).update({ activated_at: new Date(Date.now() - activatedDaysAgo * DAY) });
  if (backedUpDaysAgo !== undefined) {
    await recordBackup(db(), activation.deviceToken, { completedAt: new Date(Date.now() - backedUpDaysAgo * DAY), bytes: 1_000, files: 1 });
  }
  return activation;
}

// Each tile: its heading, and the number and link it shows (or "None").
function tilesOf(html: string): Record<string, { text: string; href?: string }> {
  const text = decode(html);
  return Object.fromEntries(
    [...text.matchAll(/<h3 class="tile__heading" id="tile-[a-z-]+">([^<]+)<\/h3>\s*<p class="tile__count[^"]*">([\s\S]*?)<\/p>/g)].map(([, heading, body]) => {
      const link = /<a href="([^"]+)">([^<]+)/.exec(body);
      return [heading, link ? { text: link[2], href: link[1] } : { text: body.trim() }];
    }),
  );
}

function listedIds(html: string): number[] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  return [...body.matchAll(/<td><a href="\/partner\/accounts\/(\d+)">/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
}

async function addUser(partner: TestPartner, role: 'admin' | 'staff'): Promise<{ email: string; password: string }> {
  const email = uniqueEmail(role);
  await db()('partner_users').insert({ partner_id: partner.partnerId, name: `${role} user`, email, password_hash: await hashSecret(TEST_PASSWORD), role });
  return { email, password: TEST_PASSWORD };
}

describe('the Overview: exact counts that each lead to exactly those accounts, the worst accounts, Backup monitoring', () => {
  let t: TestApp;
  let partner: TestPartner;
  let agent: supertest.Agent;
  const ids: Record<string, number> = {};

  before(async () => {
    t = buildTestApp();
    partner = await createTestPartner('Overview Test IT');
    const make = async (name: string, overrides = {}) => {
      const account = await purchaseFor(partner, { customerName: name, administrator: 'partner', productId: 'safe-backup-pro', planId: 'sbp-core', computers: 3, ...overrides });
      ids[name] = account.accountId;
      return account;
    };
    await computer(await make('Stopped One'), 'S1', 40, 12);
    await computer(await make('Stopped Two'), 'S2', 40, 8);
    await computer(await make('Late One'), 'L1', 40, 4);
    await computer(await make('Waiting One'), 'W1', 3);
    await computer(await make('Fine One'), 'F1', 40, 0.2);
    await make('Empty One');
    // Expiring in 10 days, and one that ended: only the first is "expiring within 30 days".
    const soon = await make('Ending Soon');
    await db()('subscriptions').where({ id: soon.subscriptionId }).update({ ends_on: new Date(Date.now() + 10 * DAY).toISOString().slice(0, 10) });
    // Ending as soon, but set to renew itself: not "expiring".
    const renews = await make('Renews Itself');
    await db()('subscriptions').where({ id: renews.subscriptionId }).update({ ends_on: new Date(Date.now() + 12 * DAY).toISOString().slice(0, 10), auto_renew: true });
    const ended = await make('Ended Already');
    await db()('subscriptions').where({ id: ended.subscriptionId }).update({ ends_on: new Date(Date.now() - 2 * DAY).toISOString().slice(0, 10) });
    // Registrations: one sent 9 days ago and still valid, one sent yesterday, one whose link expired.
    const longPending = await purchaseFor(partner, { customerName: 'Pending Long' });
    ids['Pending Long'] = longPending.accountId;
    await db()('registration_invitations').where({ customer_account_id: longPending.accountId }).update({ created_at: new Date(Date.now() - 9 * DAY) });
    ids['Pending New'] = (await purchaseFor(partner, { customerName: 'Pending New' })).accountId;
    const expiredLink = await purchaseFor(partner, { customerName: 'Link Gone' });
    ids['Link Gone'] = expiredLink.accountId;
    await db()('registration_invitations').where({ customer_account_id: expiredLink.accountId }).update({ created_at: new Date(Date.now() - 20 * DAY), expires_at: new Date(Date.now() - DAY) });
    agent = await signInPartner(t.app, partner);
  });
  after(() => t.close());

  it('is where a partner user lands after signing in, and the first tab', async () => {
    const fresh = await import('supertest').then((m) => m.default.agent(t.app));
    const res = await submitForm(fresh, paths.partner.signIn, { email: partner.email, password: partner.password });
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal(paths.partner.overview);
    const page = await fresh.get(paths.partner.overview).expect(200);
    expect(page.text).to.match(/<li><a class="tabs__tab" href="\/partner\/overview" aria-current="page">Overview<\/a><\/li>/);
  });

  it('counts each kind exactly, and each number opens the Accounts list showing exactly those accounts', async () => {
    const res = await agent.get(paths.partner.overview).expect(200);
    const tiles = tilesOf(res.text);
    const expected: Record<string, string[]> = {
      'Not backing up': ['Stopped One', 'Stopped Two'],
      Overdue: ['Late One'],
      'Waiting for first backup': ['Waiting One'],
      'Expiring within 30 days': ['Ending Soon'],
      'Registration pending for more than 7 days': ['Pending Long'],
      'Registration link expired': ['Link Gone'],
    };
    for (const [heading, names] of Object.entries(expected)) {
      const tile = tiles[heading];
      expect(tile, heading).to.not.equal(undefined);
      expect(tile.text, heading).to.equal(`${names.length} account${names.length === 1 ? '' : 's'}`);
      const list = await agent.get(tile.href!).expect(200);
      expect(listedIds(list.text), heading).to.deep.equal(names.map((n) => ids[n]).sort((a, b) => a - b));
    }
  });

  it('says None plainly for a kind with no accounts, with no link', async () => {
    const quiet = await createTestPartner('Quiet IT');
    const quietAgent = await signInPartner(t.app, quiet);
    const res = await quietAgent.get(paths.partner.overview).expect(200);
    const tiles = tilesOf(res.text);
    expect(Object.keys(tiles)).to.have.length(7);
    for (const tile of Object.values(tiles)) expect(tile).to.deep.equal({ text: 'None' });
    expect(res.text).to.include('None: every computer has backed up');
  });

  it('lists the worst accounts, longest without a backup first, then the longest waiting', async () => {
    const res = await agent.get(paths.partner.overview).expect(200);
    const section = /id="attention-title"[\s\S]*?<\/section>/.exec(res.text)![0];
    const names = [...section.matchAll(/<td><a href="\/partner\/accounts\/\d+">([^<]+)<\/a><\/td>/g)].map((m) => m[1]);
    expect(names).to.deep.equal(['Stopped One', 'Stopped Two', 'Late One', 'Waiting One']);
    const states = [...section.matchAll(/<span class="tag [^"]*">([^<]+)<\/span>/g)].map((m) => m[1]);
    expect(states).to.deep.equal(['Not backing up', 'Not backing up', 'Overdue', 'Waiting for first backup']);
  });

  it('shows undelivered mail to the owner only', async () => {
    await db()('outbox_emails').insert({ idempotency_key: `overview-test-${Date.now()}`, recipient: 'x@example.test', template: 'password-reset', partner_id: partner.partnerId, status: 'dead', attempts: 24 });
    const owner = await agent.get(paths.partner.overview).expect(200);
    expect(decode(owner.text)).to.match(/<a href="\/partner\/mail">\d+ emails? not delivered<\/a>/);
    const staff = await signInPartner(t.app, await addUser(partner, 'staff'));
    const res = await staff.get(paths.partner.overview).expect(200);
    expect(res.text).to.not.include('Undelivered mail');
    expect(res.text).to.not.include(paths.partner.backupMonitoring);
  });

  it('lets the owner and administrators change the thresholds, with errors shown and kept, recorded in Activity; a staff user gets a 404', async () => {
    const admin = await signInPartner(t.app, await addUser(partner, 'admin'));
    const bad = await submitForm(admin, paths.partner.backupMonitoring, { overdueDays: '8', notBackingUpDays: '5' });
    expect(bad.status).to.equal(422);
    expect(bad.text).to.include('<title>Error: Backup monitoring');
    expect(bad.text).to.include('Not backing up must be more days than Overdue');
    expect(bad.text).to.include('value="8"');
    const none = await submitForm(admin, paths.partner.backupMonitoring, { overdueDays: 'three', notBackingUpDays: '' });
    expect(none.status).to.equal(422);
    expect(none.text).to.include('href="#field-overdueDays"');
    expect(none.text).to.include('href="#field-notBackingUpDays"');

    const ok = await submitForm(admin, paths.partner.backupMonitoring, { overdueDays: '5', notBackingUpDays: '10' });
    expect(ok.status).to.equal(303);
    expect(ok.headers.location).to.equal(paths.partner.overview);
    const tiles = tilesOf((await agent.get(paths.partner.overview).expect(200)).text);
    // 12 days: still Not backing up; 8 days: now Overdue; 4 days: now fine.
    expect(tiles['Not backing up'].text).to.equal('1 account');
    expect(tiles.Overdue.text).to.equal('1 account');
    const activity = await agent.get(paths.partner.activity).expect(200);
    expect(decode(activity.text)).to.include('Backup monitoring changed: Overdue after 5 days, Not backing up after 10 days');

    const staff = await signInPartner(t.app, await addUser(partner, 'staff'));
    await staff.get(paths.partner.backupMonitoring).expect(404);
    const { csrf } = await getForm(staff, paths.partner.overview).catch(() => ({ csrf: '' }));
    const refused = await staff.post(paths.partner.backupMonitoring).type('form').send({ _csrf: csrf, overdueDays: '1', notBackingUpDays: '2' });
    expect(refused.status).to.be.oneOf([403, 404]);
    const row = await db()('partners').where({ id: partner.partnerId }).first('overdue_days', 'not_backing_up_days');
    expect(row).to.deep.equal({ overdue_days: 5, not_backing_up_days: 10 });
    await submitForm(admin, paths.partner.backupMonitoring, { overdueDays: '3', notBackingUpDays: '7' });
  });

  it('never counts another partner’s accounts, and its thresholds are its own', async () => {
    const other = await createTestPartner('Other Overview IT');
    const otherAgent = await signInPartner(t.app, other);
    const res = await otherAgent.get(paths.partner.overview).expect(200);
    expect(Object.values(tilesOf(res.text)).every((tile) => tile.text === 'None')).to.equal(true);
    expect(res.text).to.not.include('Stopped One');
  });
});
