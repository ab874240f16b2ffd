import { expect } from 'chai';
import type supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, signInPartner, type TestApp, type TestPartner } from '../support/app.ts';
import { purchaseFor } from '../support/fixtures.ts';
import { installComputer, registeredCustomer, signInCustomer } from '../support/customers.ts';
import { recordBackup } from '../../models/installations.ts';
import { findBackupHistory } from '../../models/backupHistory.ts';
import * as format from '../../lib/views/format.ts';

const DAY = 86_400_000;
const db = () => testDatabase().db;

function decode(text: string): string {
  return text.replace(/&#39;/g, "'").replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#34;/g, '"');
}

// Backups at noon UTC on each of the given days ago (several on one day count once, the largest).
async function backUp(deviceToken: string, daysAgo: number[], bytes: (day: number) => number) {
  const today = Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
  for (const day of daysAgo) {
    const at = Math.min(today - day * DAY + 12 * 3_600_000, Date.now() - 60_000);
    await recordBackup(db(), deviceToken, { completedAt: new Date(at), bytes: bytes(day), files: 10 });
  }
}

function chartOf(html: string, computerName: string): { svg: string; rows: string[][]; caption: string } {
  const text = decode(html);
  const start = text.indexOf(`<h4 class="chart__heading">${computerName}</h4>`);
  expect(start, `a chart for ${computerName}`).to.be.greaterThan(-1);
  const figure = /<figure class="chart">[\s\S]*?<\/figure>/.exec(text.slice(start))![0];
  const svg = /<svg[\s\S]*?<\/svg>/.exec(figure)![0];
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(figure)![1];
  const rows = [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) => [...r[1].matchAll(/<t[hd][^>]*>([^<]*)<\/t[hd]>/g)].map((c) => c[1].trim()));
  const caption = /<figcaption[^>]*>([\s\S]*?)<\/figcaption>/.exec(figure)![1].replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim();
  return { svg, rows, caption };
}

describe('charts: each computer’s last 30 days as server-drawn SVG, with words and a table', () => {
  let t: TestApp;
  let partner: TestPartner;
  let agent: supertest.Agent;

  before(async () => {
    t = buildTestApp();
    partner = await createTestPartner('Charts Test IT');
    agent = await signInPartner(t.app, partner);
  });
  after(() => t.close());

  it('writes data sizes in human units', () => {
    expect(format.bytes(0)).to.equal('0 bytes');
    expect(format.bytes(512)).to.equal('512 bytes');
    expect(format.bytes(1_500_000_000)).to.equal('1.5 GB');
    expect(format.bytes(2_250_000_000_000)).to.equal('2.25 TB');
    expect(format.bytes(45_300_000)).to.equal('45.3 MB');
  });

  it('draws a bar for each day with a backup and marks each day without, on the account’s Dashboard', async () => {
    const account = await purchaseFor(partner, { customerName: 'Chart Motors', administrator: 'partner', productId: 'safe-backup-pro', planId: 'sbp-core', computers: 3 });
    const pc = await installComputer(account, 'Front Desk');
    await db()('installations').where({ id: pc.installationId }).update({ activated_at: new Date(Date.now() - 60 * DAY) });
    // Days 0..29 ago, except 3, 4 and 10; two backups on day 1; one 40 days ago (outside the chart).
    const days = Array.from({ length: 30 }, (_, i) => i).filter((d) => ![3, 4, 10].includes(d));
    await backUp(pc.deviceToken, [40, ...days.slice().reverse()], (d) => 1_000_000_000 + d * 10_000_000);
    await backUp(pc.deviceToken, [1], () => 1_900_000_000);
    await installComputer(account, 'Spare Laptop');

    const res = await agent.get(paths.partner.account(account.accountId)).expect(200);
    const { svg, rows, caption } = chartOf(res.text, 'Front Desk');
    expect(svg).to.match(/role="img" aria-labelledby="chart-\d+-title chart-\d+-desc"/);
    expect(svg).to.include('<title id="chart-');
    expect(svg).to.include('Backups of Front Desk, last 30 days</title>');
    expect(svg.match(/class="chart__bar"/g)).to.have.length(27);
    expect(svg.match(/class="chart__missed"/g)).to.have.length(3);
    expect(caption).to.include('Backed up on 27 of the last 30 days, up to 1.9 GB a day. No backup on ');
    expect(rows).to.have.length(30);
    const day = (n: number) => format.date(new Date(Date.now() - n * DAY).toISOString().slice(0, 10));
    expect(rows[0]).to.deep.equal([day(0), '1', '1 GB']);
    expect(rows[1]).to.deep.equal([day(1), '2', '1.9 GB']);
    expect(rows[3]).to.deep.equal([day(3), 'No backup', '']);
    // The computer with no backup at all still has its 30 days, every one marked.
    const spare = chartOf(res.text, 'Spare Laptop');
    expect(spare.svg.match(/class="chart__missed"/g)).to.have.length(30);
    expect(spare.caption).to.match(/^Backed up on 0 of the last 30 days\./);
    expect(decode(res.text)).to.match(/Data backed up: <strong>1 GB<\/strong> <span class="muted">on 2 computers/);
    expect(res.text).to.include('<summary>Figures for each day</summary>');
  });

  it('reads only the account’s own computers, scoped by partner in the query', async () => {
    const mine = await purchaseFor(partner, { customerName: 'Scoped One', administrator: 'partner' });
    const a = await installComputer(mine, 'Scoped PC');
    await backUp(a.deviceToken, [2], () => 5_000);
    const other = await createTestPartner('Other Charts IT');
    const theirs = await purchaseFor(other, { customerName: 'Their One', administrator: 'partner' });
    const b = await installComputer(theirs, 'Their PC');
    await backUp(b.deviceToken, [1], () => 7_000);
    const history = await findBackupHistory(db(), { partnerId: partner.partnerId, accountId: mine.accountId });
    expect([...history.keys()]).to.deep.equal([a.installationId]);
    const wrongPartner = await findBackupHistory(db(), { partnerId: other.partnerId, accountId: mine.accountId });
    expect(wrongPartner.size).to.equal(0);
    await agent.get(paths.partner.account(theirs.accountId)).expect(404);
  });

  it('shows the customer their own computers’ charts on the Backup Dashboard', async () => {
    const customer = await registeredCustomer(partner, { customerName: 'Chart Studio', productId: 'safe-backup-pro', planId: 'sbp-core', computers: 2 });
    const pc = await installComputer(customer, 'Studio Mac', 'mac');
    await backUp(pc.deviceToken, [0, 2, 5], () => 3_000_000_000_000);
    const portal = await signInCustomer(t.app, customer.email);
    const res = await portal.get(paths.portal.home).expect(200);
    expect(res.text).to.include('<h1>Backup Dashboard</h1>');
    const { svg, rows, caption } = chartOf(res.text, 'Studio Mac');
    expect(svg.match(/class="chart__bar"/g)).to.have.length(3);
    expect(rows).to.have.length(30);
    expect(caption).to.include('Backed up on 3 of the last 30 days, up to 3 TB a day');
    expect(decode(res.text)).to.include('Data backed up: <strong>3 TB</strong>');
  });
});
