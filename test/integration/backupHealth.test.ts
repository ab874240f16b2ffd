import { expect } from 'chai';
import type supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, signInPartner, type TestApp, type TestPartner } from '../support/app.ts';
import { purchaseFor, type TestAccount } from '../support/fixtures.ts';
import { installComputer } from '../support/customers.ts';
import { activateInstallation, recordBackup } from '../../models/installations.ts';
import { healthCase } from '../../models/accounts/health.ts';
import { clockAt } from '../../models/accounts/statuses.ts';

const DAY = 86_400_000;
const db = () => testDatabase().db;

// A computer on the account, activated `activatedDaysAgo` days ago, last backed up `backedUpDaysAgo` days ago (or never).
async function computer(account: TestAccount, name: string, activatedDaysAgo: number, backedUpDaysAgo?: number) {
  const activation = await installComputer(account, name);
  await db()('installations').where({ id: activation.installationId }).update({ activated_at: new Date(Date.now() - activatedDaysAgo * DAY) });
  if (backedUpDaysAgo !== undefined) {
    await recordBackup(db(), activation.deviceToken, { completedAt: new Date(Date.now() - backedUpDaysAgo * DAY), bytes: 1_000_000, files: 10 });
  }
  return activation;
}

async function healthOf(partnerId: number, accountId: number, now = new Date()): Promise<string> {
  const [sql, bindings] = healthCase(partnerId, clockAt(now));
  const row = await db()('customer_accounts as a').where('a.id', accountId).first(db().raw(`${sql} AS health`, bindings));
  return row.health;
}

function listedNames(html: string): string[] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  return [...body.matchAll(/<td><a href="\/partner\/accounts\/\d+">([^<]*)<\/a><\/td>/g)].map((m) => m[1]);
}

describe('backup health: the summary on customer_accounts, the Accounts column, filter, counts, sort and CSV', () => {
  let t: TestApp;
  let partner: TestPartner;
  let agent: supertest.Agent;
  const accounts: Record<string, TestAccount> = {};

  before(async () => {
    t = buildTestApp();
    partner = await createTestPartner('Health Test IT');
    agent = await signInPartner(t.app, partner);
    for (const name of ['Alpha Fresh', 'Bravo Overdue', 'Charlie Stopped', 'Delta Waiting', 'Echo Empty', 'Foxtrot New', 'Golf Mixed']) {
      accounts[name] = await purchaseFor(partner, { customerName: name, administrator: 'partner', productId: 'safe-backup-pro', planId: 'sbp-core', computers: 5 });
    }
    await computer(accounts['Alpha Fresh'], 'A1', 30, 0.5);
    await computer(accounts['Bravo Overdue'], 'B1', 30, 4);
    await computer(accounts['Charlie Stopped'], 'C1', 30, 9);
    await computer(accounts['Delta Waiting'], 'D1', 2);
    await computer(accounts['Foxtrot New'], 'F1', 0.2);
    // The worst computer decides: one fine, one waiting, one 8 days without backup.
    await computer(accounts['Golf Mixed'], 'G1', 30, 0.1);
    await computer(accounts['Golf Mixed'], 'G2', 3);
    await computer(accounts['Golf Mixed'], 'G3', 30, 8);
  });
  after(() => t.close());

  it('keeps each account’s computers, oldest last backup and first waiting activation on customer_accounts, whoever writes installations', async () => {
    const row = await db()('customer_accounts').where({ id: accounts['Golf Mixed'].accountId }).first('computers', 'oldest_backup_at', 'waiting_since');
    expect(row.computers).to.equal(3);
    expect(Date.now() - row.oldest_backup_at.getTime()).to.be.within(8 * DAY - 60_000, 8 * DAY + 60_000);
    expect(Date.now() - row.waiting_since.getTime()).to.be.within(3 * DAY - 60_000, 3 * DAY + 60_000);
    const empty = await db()('customer_accounts').where({ id: accounts['Echo Empty'].accountId }).first('computers', 'oldest_backup_at', 'waiting_since', 'backup_sort_at');
    expect(empty).to.deep.include({ computers: 0, oldest_backup_at: null, waiting_since: null });
  });

  it('answers each state by the worst computer: Not backing up, Overdue, Waiting for first backup, Up to date, No computers', async () => {
    const states = Object.fromEntries(await Promise.all(Object.entries(accounts).map(async ([name, a]) => [name, await healthOf(partner.partnerId, a.accountId)])));
    expect(states).to.deep.equal({
      'Alpha Fresh': 'up_to_date',
      'Bravo Overdue': 'overdue',
      'Charlie Stopped': 'not_backing_up',
      'Delta Waiting': 'waiting',
      'Echo Empty': 'no_computers',
      'Foxtrot New': 'up_to_date',
      'Golf Mixed': 'not_backing_up',
    });
  });

  it('moves an account back to Up to date when its stale computer backs up, and out of No computers when one activates', async () => {
    const account = await purchaseFor(partner, { customerName: 'Hotel Recovers', administrator: 'partner' });
    expect(await healthOf(partner.partnerId, account.accountId)).to.equal('no_computers');
    const activation = await computer(account, 'H1', 20, 10);
    expect(await healthOf(partner.partnerId, account.accountId)).to.equal('not_backing_up');
    await recordBackup(db(), activation.deviceToken, { completedAt: new Date(), bytes: 5, files: 1 });
    expect(await healthOf(partner.partnerId, account.accountId)).to.equal('up_to_date');
    // An older report arriving late never moves the last backup back.
    await recordBackup(db(), activation.deviceToken, { completedAt: new Date(Date.now() - 12 * DAY), bytes: 5, files: 1 });
    expect(await healthOf(partner.partnerId, account.accountId)).to.equal('up_to_date');
    await db()('customer_accounts').where({ id: account.accountId }).delete();
  });

  it('judges by the partner’s own thresholds, read in the query', async () => {
    const id = accounts['Bravo Overdue'].accountId;
    await db()('partners').where({ id: partner.partnerId }).update({ overdue_days: 5, not_backing_up_days: 10 });
    try {
      expect(await healthOf(partner.partnerId, id)).to.equal('up_to_date');
      expect(await healthOf(partner.partnerId, accounts['Charlie Stopped'].accountId)).to.equal('overdue');
      // The list's filter, planned with the partner's moments bound as values, agrees.
      const list = await agent.get(`${paths.partner.accounts}?health=overdue`).expect(200);
      expect(listedNames(list.text)).to.deep.equal(['Charlie Stopped', 'Golf Mixed']);
      await db()('partners').where({ id: partner.partnerId }).update({ overdue_days: 2, not_backing_up_days: 4 });
      expect(await healthOf(partner.partnerId, id)).to.equal('not_backing_up');
    } finally {
      await db()('partners').where({ id: partner.partnerId }).update({ overdue_days: 3, not_backing_up_days: 7 });
    }
  });

  it('a backup changes no accounts_version (the status counts stay cached) but moves the account’s health_seq', async () => {
    const activation = await activateInstallation(db(), { keyCode: accounts['Alpha Fresh'].keyCode, computerName: 'A2', platform: 'mac' });
    const before = await db()('partners').where({ id: partner.partnerId }).first('accounts_version');
    const seqBefore = await db()('customer_accounts').where({ id: accounts['Alpha Fresh'].accountId }).first('health_seq');
    await recordBackup(db(), activation.deviceToken, { completedAt: new Date(Date.now() - 2 * DAY), bytes: 1, files: 1 });
    const after = await db()('partners').where({ id: partner.partnerId }).first('accounts_version');
    const seqAfter = await db()('customer_accounts').where({ id: accounts['Alpha Fresh'].accountId }).first('health_seq');
    expect(after.accounts_version).to.equal(before.accounts_version);
    expect(Number(seqAfter.health_seq)).to.be.greaterThan(Number(seqBefore.health_seq));
  });

  it('shows the column, filters by health with counts that match the list, and keeps the other filters in the links', async () => {
    const res = await agent.get(paths.partner.accounts).expect(200);
    expect(res.text).to.include('<th scope="col">Backup health</th>');
    for (const [label, n] of [['Not backing up', 2], ['Overdue', 1], ['Waiting for first backup', 1], ['Up to date', 2], ['No computers', 1]] as const) {
      expect(res.text).to.include(`>${label} (${n})</a>`);
    }
    const filtered = await agent.get(`${paths.partner.accounts}?health=not_backing_up`).expect(200);
    expect(listedNames(filtered.text)).to.deep.equal(['Charlie Stopped', 'Golf Mixed']);
    expect(filtered.text).to.include('2 accounts match the filters');
    const waiting = await agent.get(`${paths.partner.accounts}?health=waiting&product=safe-backup-pro`).expect(200);
    expect(listedNames(waiting.text)).to.deep.equal(['Delta Waiting']);
    const unknown = await agent.get(`${paths.partner.accounts}?health=%27%3B--`).expect(200);
    expect(listedNames(unknown.text)).to.have.length(7);
  });

  it('sorts by last backup, oldest first (never backed up counts from activation, no computers last), across pages', async () => {
    const names: string[] = [];
    let url = `${paths.partner.accounts}?sort=backup`;
    const first = await agent.get(url).expect(200);
    names.push(...listedNames(first.text));
    expect(names).to.deep.equal(['Charlie Stopped', 'Golf Mixed', 'Bravo Overdue', 'Delta Waiting', 'Alpha Fresh', 'Foxtrot New', 'Echo Empty']);
    // Keyset pages: 25 per page is more than we have; make more accounts with no computers and walk.
    for (let i = 0; i < 25; i += 1) await purchaseFor(partner, { customerName: `Zulu Empty ${String(i).padStart(2, '0')}`, administrator: 'partner' });
    const walked: string[] = [];
    for (;;) {
      const page = await agent.get(url).expect(200);
      walked.push(...listedNames(page.text));
      const next = /<a rel="next" href="([^"]+)"/.exec(page.text)?.[1];
      if (!next) break;
      url = next.replace(/&amp;/g, '&');
    }
    expect(walked).to.have.length(32);
    expect(new Set(walked).size).to.equal(32);
    expect(walked.slice(0, 6)).to.deep.equal(names.slice(0, 6));
  });

  it('puts the backup health in the CSV', async () => {
    const res = await agent.get(`${paths.partner.accountsCsv}?health=overdue`).expect(200);
    const lines = res.text.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).to.match(/,Backup health,Oldest last backup$/);
    expect(lines).to.have.length(2);
    expect(lines[1]).to.match(/^Bravo Overdue,.*,Overdue,\d{4}-\d{2}-\d{2}T/);
  });

  it('shows another partner’s accounts in none of it', async () => {
    const other = await createTestPartner('Other Health IT');
    const otherAgent = await signInPartner(t.app, other);
    const res = await otherAgent.get(`${paths.partner.accounts}?health=not_backing_up`).expect(200);
    expect(listedNames(res.text)).to.deep.equal([]);
    expect(res.text).to.include('>Not backing up (0)</a>');
  });
});
