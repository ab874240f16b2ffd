import { expect } from 'chai';
import type supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, signInPartner, type TestApp, type TestPartner } from '../support/app.ts';
import { purchaseFor } from '../support/fixtures.ts';

// The Accounts tab against a few thousand accounts, inserted in bulk with SQL. What the page
// should show is worked out independently: statuses straight from the subscriptions and
// the newest registration links (not from the columns the list reads), orders by SQL.

const BULK = 3000;

async function insertAccounts(partnerId: number, count: number, prefix = ''): Promise<void> {
  const { db } = testDatabase();
  await db.raw(
    `INSERT INTO customer_accounts (partner_id, name, email, administrator, status, purchase_key, created_at)
     SELECT :partnerId,
       :prefix || (ARRAY['Acme','Blue Harbor','Cedar','Delta','Evergreen','Fjord','Granite','harbor view'])[1 + n % 8]
         || ' ' || (ARRAY['Dental','Law','Bakery','Clinic','Logistics'])[1 + (n / 8) % 5] || ' ' || n,
       'office' || n || '@' || (ARRAY['acme','cedar','delta'])[1 + n % 3] || '.example',
       CASE WHEN n % 3 = 0 THEN 'partner' ELSE 'customer' END,
       CASE WHEN n % 3 <> 0 AND n % 5 IN (1, 2) THEN 'pending_registration' ELSE 'active' END,
       gen_random_uuid(), now() - n * interval '1 minute'
     FROM generate_series(1, :count) n ORDER BY n`,
    { partnerId, count, prefix },
  );
  // The triggers copy each subscription's product and end to its account, and each newest link's expiry.
  await db.raw(
    `INSERT INTO subscriptions (customer_account_id, partner_id, product_id, plan_id, computers_allowed, term_years, starts_on, ends_on, key_code, yearly_price_cents, total_price_cents)
     SELECT a.id, a.partner_id, p.product, p.plan, p.computers, 1, p.ends_on - 365, p.ends_on,
       upper(substr(md5(a.id::text), 1, 4) || '-' || substr(md5(a.id::text), 5, 4) || '-' || substr(md5(a.id::text), 9, 4) || '-' || substr(md5(a.id::text), 13, 4)),
       7199, 7199
     FROM customer_accounts a
     CROSS JOIN LATERAL (SELECT substring(a.email from 'office(\\d+)@')::int AS n) x
     CROSS JOIN LATERAL (SELECT
       CASE WHEN x.n % 4 = 0 THEN 'safe' ELSE 'safe-backup-pro' END AS product,
       CASE WHEN x.n % 4 = 0 THEN 'safe-basic' ELSE 'sbp-core' END AS plan,
       CASE WHEN x.n % 4 = 0 THEN 1 ELSE 1 + x.n % 9 END AS computers,
       (current_date + ((x.n * 37) % 800 - 100))::date AS ends_on) p
     WHERE a.partner_id = :partnerId`,
    { partnerId },
  );
  // Pending accounts get a link, some already expired; some first had an older link, voided.
  await db.raw(
    `INSERT INTO registration_invitations (customer_account_id, email, token_hash, created_at, expires_at, voided_at)
     SELECT a.id, a.email, md5(a.id::text || 'old') || md5(a.id::text), now() - interval '30 days', now() + interval '5 days', now() - interval '1 day'
     FROM customer_accounts a WHERE a.partner_id = :partnerId AND a.status = 'pending_registration' AND a.id % 7 = 0`,
    { partnerId },
  );
  await db.raw(
    `INSERT INTO registration_invitations (customer_account_id, email, token_hash, created_at, expires_at)
     SELECT a.id, a.email, md5(a.id::text || 'new') || md5(a.id::text), now() - interval '10 days', now() + ((a.id % 20) - 8) * interval '1 day'
     FROM customer_accounts a WHERE a.partner_id = :partnerId AND a.status = 'pending_registration'`,
    { partnerId },
  );
  await db.raw('ANALYZE customer_accounts');
}

type Status = 'Active' | 'Pending registration' | 'Registration link expired' | 'Expired';

interface Expected {
  id: number;
  name: string;
  email: string;
  administrator: 'partner' | 'customer';
  product: string;
  endsOn: string;
  status: Status;
}

type Sort = 'name' | 'expiry' | 'newest';
const ORDER: Record<Sort, string> = { name: 'lower(a.name), a.id', expiry: 's.ends_on, a.id', newest: 'a.id DESC' };

async function expectedAccounts(partnerId: number, sort: Sort): Promise<Expected[]> {
  const today = new Date().toISOString().slice(0, 10);
  const { rows } = await testDatabase().db.raw(
    `SELECT a.id, a.name, a.email, a.administrator, s.product_id AS product, s.ends_on,
       CASE WHEN s.ends_on < :today THEN 'Expired'
            WHEN a.status = 'pending_registration' AND (
              SELECT i.expires_at FROM registration_invitations i WHERE i.customer_account_id = a.id ORDER BY i.id DESC LIMIT 1
            ) <= now() THEN 'Registration link expired'
            WHEN a.status = 'pending_registration' THEN 'Pending registration'
            ELSE 'Active' END AS status
     FROM customer_accounts a JOIN subscriptions s ON s.customer_account_id = a.id
     WHERE a.partner_id = :partnerId ORDER BY ${ORDER[sort]}`,
    { partnerId, today },
  );
  return rows.map((r: Record<string, unknown>) => ({ ...r, endsOn: r.ends_on })) as Expected[];
}

interface ShownRow {
  id: number;
  status: string;
}

function decode(text: string): string {
  return text.replace(/&#39;/g, "'").replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#34;/g, '"');
}

function rowsOf(html: string): ShownRow[] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => ({
    id: Number(/href="\/partner\/accounts\/(\d+)"/.exec(m[1])![1]),
    status: /<span class="tag [^"]*">([^<]+)<\/span>/.exec(m[1])![1],
  }));
}

function linkOf(html: string, rel: 'next' | 'prev'): string | undefined {
  const href = new RegExp(`<a rel="${rel}" href="([^"]+)"`).exec(html)?.[1];
  return href ? decode(href) : undefined;
}

function countsOf(html: string): Record<string, number> {
  const list = /<ul class="counts"[^>]*>([\s\S]*?)<\/ul>/.exec(html)![1];
  return Object.fromEntries([...list.matchAll(/>([^<>]+) \(([\d,]+)\)<\/a>/g)].map((m) => [m[1], Number(m[2].replace(/,/g, ''))]));
}

// Follows Next page to the end, answering every row shown and how many pages it took.
async function walk(agent: supertest.Agent, url: string): Promise<{ rows: ShownRow[]; pages: string[] }> {
  const rows: ShownRow[] = [];
  const pages: string[] = [];
  for (let next: string | undefined = url; next; ) {
    const res = await agent.get(next).expect(200);
    pages.push(res.text);
    rows.push(...rowsOf(res.text));
    next = linkOf(res.text, 'next');
    if (pages.length > 200) throw new Error('Next page never ends');
  }
  return { rows, pages };
}

function list(query: Record<string, string>): string {
  const q = new URLSearchParams(query).toString();
  return q ? `${paths.partner.accounts}?${q}` : paths.partner.accounts;
}

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), (i += 1);
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(cell), (cell = '');
    else if (c === '\r' && text[i + 1] === '\n') (row.push(cell), rows.push(row), (row = []), (cell = '')), (i += 1);
    else cell += c;
  }
  return rows;
}

const STATUS_IDS: Record<Status, string> = {
  Active: 'active',
  'Pending registration': 'pending',
  'Registration link expired': 'link_expired',
  Expired: 'expired',
};

describe('the Accounts tab: search, filters, sort, counts, pages and CSV over a few thousand accounts', function () {
  this.timeout(120_000);
  let t: TestApp;
  let partner: TestPartner;
  let other: TestPartner;
  let agent: supertest.Agent;
  let byName: Expected[];

  before(async () => {
    t = buildTestApp();
    partner = await createTestPartner('Bulk Accounts IT');
    other = await createTestPartner('Other Bulk IT');
    await insertAccounts(partner.partnerId, BULK);
    await insertAccounts(other.partnerId, 300, 'Other ');
    agent = await signInPartner(t.app, partner);
    byName = await expectedAccounts(partner.partnerId, 'name');
  });
  after(() => t.close());

  it('has accounts in every status to work with', () => {
    const statuses = new Set(byName.map((a) => a.status));
    expect([...statuses].sort()).to.deep.equal(['Active', 'Expired', 'Pending registration', 'Registration link expired']);
  });

  for (const sort of ['name', 'expiry', 'newest'] as const) {
    it(`walks every account exactly once, in ${sort} order, page after page of 100, and back again`, async () => {
      const expected = await expectedAccounts(partner.partnerId, sort);
      const { rows, pages } = await walk(agent, list({ sort, size: '100' }));
      expect(pages).to.have.length(BULK / 100);
      expect(rows.map((r) => r.id)).to.deep.equal(expected.map((a) => a.id));
      expect(rows.map((r) => r.status)).to.deep.equal(expected.map((a) => a.status));
      // Previous page from the last page walks back over the same pages.
      let back = linkOf(pages.at(-1)!, 'prev');
      for (let i = pages.length - 2; i >= pages.length - 4; i -= 1) {
        const res = await agent.get(back!).expect(200);
        expect(rowsOf(res.text).map((r) => r.id)).to.deep.equal(rowsOf(pages[i]).map((r) => r.id));
        back = linkOf(res.text, 'prev');
      }
    });
  }

  it('shows 25 rows by default, 50 or 100 on request, and 25 for any other size', async () => {
    for (const [size, rows] of [['', 25], ['50', 50], ['100', 100], ['7', 25], ['100000', 25]] as const) {
      const res = await agent.get(size ? list({ size }) : paths.partner.accounts).expect(200);
      expect(rowsOf(res.text), `size ${size}`).to.have.length(rows);
    }
    const first = await agent.get(paths.partner.accounts).expect(200);
    expect(linkOf(first.text, 'prev'), 'no Previous page on the first page').to.equal(undefined);
    expect(rowsOf(first.text).map((r) => r.id)).to.deep.equal(byName.slice(0, 25).map((a) => a.id));
  });

  it('ignores a cursor that is malformed or made for another sort, and shows the first page', async () => {
    const page2 = linkOf((await agent.get(paths.partner.accounts).expect(200)).text, 'next')!;
    const cursor = new URL(page2, 'http://x').searchParams.get('after')!;
    const queries: Record<string, string>[] = [
      { after: 'not base64 at all!' },
      { after: Buffer.from('["name",1]').toString('base64url') },
      { sort: 'newest', after: cursor },
      { before: Buffer.from('{}').toString('base64url') },
      { sort: 'expiry', after: Buffer.from('["expiry","2026-13-45",5]').toString('base64url') },
      { after: Buffer.from('["name","a\\u0000b",5]').toString('base64url') },
    ];
    for (const query of queries) {
      const res = await agent.get(list(query)).expect(200);
      const expected = query.sort ? (await expectedAccounts(partner.partnerId, query.sort as Sort)).slice(0, 25) : byName.slice(0, 25);
      expect(rowsOf(res.text).map((r) => r.id), JSON.stringify(query)).to.deep.equal(expected.map((a) => a.id));
    }
  });

  it('takes control characters out of a search instead of failing on them', async () => {
    const res = await agent.get(`${paths.partner.accounts}?q=office12%00`).expect(200);
    expect(rowsOf(res.text).map((r) => r.id)).to.deep.equal(byName.filter((a) => a.email.includes('office12')).slice(0, 25).map((a) => a.id));
    await agent.get(`${paths.partner.accountsCsv}?q=%00`).expect(200);
  });

  it('finds accounts by part of the name or email, without regard to case', async () => {
    for (const search of ['HARBOR den', 'office12', '@CEDAR.example', 'view bakery 1']) {
      const needle = search.toLowerCase();
      const expected = byName.filter((a) => `${a.name} ${a.email}`.toLowerCase().includes(needle));
      expect(expected.length, search).to.be.greaterThan(0);
      const { rows } = await walk(agent, list({ q: search, size: '100' }));
      expect(rows.map((r) => r.id), search).to.deep.equal(expected.map((a) => a.id));
    }
  });

  it('matches % and _ as the characters typed, not as patterns', async () => {
    const percent = await purchaseFor(partner, { customerName: '100% Pure_Water Co', administrator: 'partner' });
    const percentRows = rowsOf((await agent.get(list({ q: '100%' })).expect(200)).text);
    expect(percentRows.map((r) => r.id)).to.deep.equal([percent.accountId]);
    const underscore = rowsOf((await agent.get(list({ q: 'e_w' })).expect(200)).text);
    expect(underscore.map((r) => r.id)).to.deep.equal([percent.accountId]);
    await testDatabase().db('customer_accounts').where({ id: percent.accountId }).delete();
  });

  it('filters by each status, product and administrator, alone and together, with counts that match the rows', async () => {
    const combos: Record<string, string>[] = [
      ...Object.values(STATUS_IDS).map((status) => ({ status })),
      { product: 'safe' },
      { product: 'safe-backup-pro' },
      { administrator: 'partner' },
      { administrator: 'customer' },
      { status: 'pending', product: 'safe-backup-pro', administrator: 'customer' },
      { status: 'expired', sort: 'expiry', q: 'dental' },
    ];
    for (const query of combos) {
      const expected = (query.sort === 'expiry' ? await expectedAccounts(partner.partnerId, 'expiry') : byName).filter(
        (a) =>
          (!query.status || STATUS_IDS[a.status] === query.status) &&
          (!query.product || a.product === query.product) &&
          (!query.administrator || a.administrator === query.administrator) &&
          (!query.q || `${a.name} ${a.email}`.toLowerCase().includes(query.q)),
      );
      const { rows, pages } = await walk(agent, list({ ...query, size: '100' }));
      expect(rows.map((r) => r.id), JSON.stringify(query)).to.deep.equal(expected.map((a) => a.id));
      // The counts are those of the other filters; the chosen status's count is the rows shown.
      const counts = countsOf(pages[0]);
      const statusLabel = Object.entries(STATUS_IDS).find(([, id]) => id === query.status)?.[0];
      expect(statusLabel ? counts[statusLabel] : counts.All, JSON.stringify(query)).to.equal(rows.length);
    }
  });

  it('counts the accounts in each status, in agreement with the status shown in each row', async () => {
    const res = await agent.get(paths.partner.accounts).expect(200);
    const counts = countsOf(res.text);
    const expected: Record<string, number> = { All: byName.length };
    for (const a of byName) expected[a.status] = (expected[a.status] ?? 0) + 1;
    // A status no account has (Trial: this data has no trials) is counted as 0.
    for (const label of Object.keys(counts)) expected[label] ??= 0;
    expect(counts).to.deep.equal(expected);
  });

  it('keeps the other filters in the status links, and starts them on the first page', async () => {
    const res = await agent.get(list({ q: 'dental', product: 'safe', sort: 'expiry', size: '50' })).expect(200);
    expect(decode(res.text)).to.include('href="/partner/accounts?q=dental&status=expired&product=safe&sort=expiry&size=50"');
    expect(decode(res.text)).to.include('href="/partner/accounts.csv?q=dental&product=safe&sort=expiry"');
  });

  it('carries a search with spaces and URL characters through its links as it was typed', async () => {
    const typed = 'Dental & co #1+2 50%/x?';
    const res = await agent.get(list({ q: typed, status: 'active' })).expect(200);
    const links = [...decode(res.text).matchAll(/href="(\/partner\/accounts(?:\.csv)?\?[^"]*)"/g)].map(([, href]) => href);
    expect(links).to.have.length.greaterThan(4);
    for (const href of links) expect(new URL(href, 'http://portal.test').searchParams.get('q'), href).to.equal(typed);
  });

  it('exports exactly what the filters show, in the same order, as CSV', async () => {
    const query = { status: 'pending', administrator: 'customer', sort: 'expiry' };
    const expected = (await expectedAccounts(partner.partnerId, 'expiry')).filter((a) => a.status === 'Pending registration' && a.administrator === 'customer');
    const res = await agent.get(`${paths.partner.accountsCsv}?${new URLSearchParams(query)}`).buffer(true).parse((r, done) => {
      let text = '';
      r.setEncoding('utf8');
      r.on('data', (chunk: string) => (text += chunk));
      r.on('end', () => done(null, text));
    });
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.equal('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).to.match(/^attachment; filename="accounts-\d{4}-\d{2}-\d{2}\.csv"$/);
    const text = res.body as string;
    expect(text.startsWith('\ufeff')).to.equal(true);
    const [header, ...rows] = parseCsv(text.slice(1));
    expect(header).to.deep.equal(['Account', 'Email', 'Product', 'Plan', 'Computers used', 'Computers allowed', 'Administrator', 'Status', 'Expires on', 'Backup health', 'Oldest last backup']);
    expect(rows).to.have.length(expected.length);
    expect(rows.map((r) => r[1])).to.deep.equal(expected.map((a) => a.email));
    const first = expected[0];
    const [product, plan] = first.product === 'safe' ? ['Safe', 'Basic'] : ['Safe Backup Pro', 'Core'];
    expect(rows[0]).to.deep.equal([first.name, first.email, product, plan, '0', rows[0][5], 'Customer', 'Pending registration', first.endsOn, 'No computers', '']);
  });

  it('exports every account of a big book when nothing is filtered, in several batches', async () => {
    const res = await agent.get(paths.partner.accountsCsv).expect(200);
    const rows = parseCsv(res.text.replace(/^\ufeff/, ''));
    expect(rows).to.have.length(BULK + 1);
    expect(rows.slice(1).map((r) => r[1])).to.deep.equal(byName.map((a) => a.email));
  });

  it('writes names that a spreadsheet could take for formulas or split, as plain text', async () => {
    const tricky = await purchaseFor(partner, { customerName: '=HYPERLINK("http://evil.example","Click"), Inc', administrator: 'partner' });
    const res = await agent.get(`${paths.partner.accountsCsv}?q=hyperlink`).expect(200);
    const rows = parseCsv(res.text.replace(/^\ufeff/, ''));
    expect(rows).to.have.length(2);
    expect(rows[1][0]).to.equal(`'=HYPERLINK("http://evil.example","Click"), Inc`);
    expect(res.text).to.include(`"'=HYPERLINK(""http://evil.example"",""Click""), Inc"`);
    await testDatabase().db('customer_accounts').where({ id: tricky.accountId }).delete();
  });

  it('writes names with commas, quotes, line breaks, edge spaces and leading formula signs so they read back as typed', async () => {
    const names = ['Quoted "Best" Bakery, Ltd', 'Two\r\nLine Dental', 'One\nLine Law', ' Spaced Studio ', '-minus Clinic', '+plus Clinic', '@at Clinic'];
    const ids: number[] = [];
    for (const [i, name] of names.entries()) {
      // Found by their email, so the name is stored exactly as written here.
      const account = await purchaseFor(partner, { customerEmail: `zzcsvprobe${i}@probe.example`, administrator: 'partner' });
      await testDatabase().db('customer_accounts').where({ id: account.accountId }).update({ name });
      ids.push(account.accountId);
    }
    const res = await agent.get(`${paths.partner.accountsCsv}?q=zzcsvprobe&sort=newest`).expect(200);
    expect(res.text.startsWith('\ufeffAccount,Email,')).to.equal(true);
    expect(res.text.endsWith('\r\n')).to.equal(true);
    const rows = parseCsv(res.text.replace(/^\ufeff/, ''));
    expect(rows.slice(1).every((r) => r.length === 11)).to.equal(true);
    const asRead = (name: string) => (/^[-+@]/.test(name) ? `'${name}` : name);
    expect(rows.slice(1).map((r) => r[0])).to.deep.equal(names.map(asRead).reverse());
    expect(res.text).to.include('"Quoted ""Best"" Bakery, Ltd"');
    await testDatabase().db('customer_accounts').whereIn('id', ids).delete();
  });

  it('never shows another partner’s accounts in the list, the counts, a search or the CSV', async () => {
    const otherIds = new Set((await expectedAccounts(other.partnerId, 'name')).map((a) => a.id));
    const { rows } = await walk(agent, list({ q: 'office', size: '100' }));
    expect(rows.length).to.equal(BULK);
    expect(rows.some((r) => otherIds.has(r.id))).to.equal(false);
    const search = await agent.get(list({ q: 'Other ' })).expect(200);
    expect(rowsOf(search.text)).to.have.length(0);
    expect(countsOf(search.text).All).to.equal(0);
    const csv = await agent.get(`${paths.partner.accountsCsv}?q=other`).expect(200);
    expect(parseCsv(csv.text.replace(/^\ufeff/, ''))).to.have.length(1);
    const theirs = await signInPartner(t.app, other);
    const theirList = await walk(theirs, list({ size: '100' }));
    expect(theirList.rows).to.have.length(300);
    expect(theirList.rows.every((r) => otherIds.has(r.id))).to.equal(true);
  });

  it('shows an empty state, not an error, when nothing matches, and to a partner with no accounts', async () => {
    const none = await agent.get(list({ q: 'no account is called this' })).expect(200);
    expect(none.text).to.include('No accounts match these filters.');
    const fresh = await signInPartner(t.app, await createTestPartner('Empty Book IT'));
    const empty = await fresh.get(paths.partner.accounts).expect(200);
    expect(empty.text).to.include('You have no customer accounts yet.');
    expect(empty.text).to.include(`href="${paths.partner.newPurchase}"`);
  });
});
