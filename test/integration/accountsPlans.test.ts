import { expect } from 'chai';
import { testDatabase } from '../support/hooks.ts';
import { createTestPartner, type TestPartner } from '../support/app.ts';
import { purchaseFor } from '../support/fixtures.ts';
import { countAccountsByStatus } from '../../models/accounts/counts.ts';
import type { AccountFilters } from '../../models/accounts/filters.ts';
import { listAccounts } from '../../models/accounts/list.ts';
import { clockAt } from '../../models/accounts/statuses.ts';

// The Accounts list's queries are written to be served by their indexes: the keyset
// condition and the ORDER BY match an index's columns, the search matches the trigram
// index's expression. Each query is run through the model, then EXPLAINed with the
// alternatives (a full scan, a sort) priced out, so the plan shows whether the index fits.
// The plans on a database of 1,000,000 accounts are in the README ("Accounts list performance").
// The table is made to look like that database by this file itself, not by what other tests
// happened to leave in it: on a table of a few dozen rows, most of them the partner's, the
// planner rightly prefers the primary key or a bitmap scan and a sort (the plans then
// depended on which test files ran first).

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Index Cond'?: string;
  'Scan Direction'?: string;
  'Parent Relationship'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

// The scan that feeds the page: the child of the Limit that reads customer_accounts.
function pageScan(plan: PlanNode): PlanNode {
  const limit = nodes(plan).find((n) => n['Node Type'] === 'Limit' && nodes(n).some((c) => c['Relation Name'] === 'customer_accounts'));
  expect(limit, 'a Limit over customer_accounts').to.not.equal(undefined);
  // Not the InitPlans beside it (the partner's backup thresholds, read once per statement).
  return limit!.Plans!.find((p) => p['Parent Relationship'] !== 'InitPlan')!;
}

// settings: SET LOCAL lines, or DROP INDEX to leave an index out; all of it rolled back.
async function planOf(run: () => Promise<unknown>, settings: string[]): Promise<PlanNode> {
  const { db } = testDatabase();
  const captured: { sql: string; bindings: unknown[] }[] = [];
  const listener = (query: { sql: string; bindings: unknown[] }) => captured.push(query);
  db.on('query', listener);
  try {
    await run();
  } finally {
    db.off('query', listener);
  }
  const query = captured.at(-1)!;
  const trx = await db.transaction();
  try {
    for (const setting of settings) await trx.raw(setting.startsWith('DROP') ? setting : `SET LOCAL ${setting}`);
    const result = await trx.raw(`EXPLAIN (FORMAT JSON) ${query.sql.replace(/\$\d+/g, '?')}`, query.bindings as never[]);
    return result.rows[0]['QUERY PLAN'][0].Plan as PlanNode;
  } finally {
    await trx.rollback();
  }
}

const NO_SEQ_SCAN = ['enable_seqscan = off', 'enable_sort = off'];
const NEIGHBOUR_ACCOUNTS = 2000;

describe('the Accounts list’s query plans use the indexes chosen for them', () => {
  let partner: TestPartner;
  const clock = clockAt();
  const base: AccountFilters = { search: '', sort: 'name' };

  before(async () => {
    const { db } = testDatabase();
    // Another partner's book, so that Plans IT holds a small share of the table, as any one
    // partner does of the real one. A partner with no users or subscriptions: no job or page
    // of another test can meet it.
    const [neighbour] = await db('partners').insert({ name: 'Plans Neighbour' }).returning('id');
    await db.raw(
      `INSERT INTO customer_accounts (partner_id, name, email, administrator, status, purchase_key)
       SELECT :partnerId, 'Neighbour Office ' || n, 'office' || n || '@plans-neighbour.example', 'customer', 'active', gen_random_uuid()
       FROM generate_series(1, :count) n`,
      { partnerId: neighbour.id, count: NEIGHBOUR_ACCOUNTS },
    );
    partner = await createTestPartner('Plans IT');
    for (let i = 0; i < 12; i += 1) await purchaseFor(partner, { customerName: `Plan Customer ${i}`, administrator: i % 2 ? 'partner' : 'customer' });
    // VACUUM too: an index-only scan is priced by the pages marked all-visible, which otherwise
    // depends on whether autovacuum has got round to the table yet.
    await db.raw('VACUUM ANALYZE customer_accounts');
  });

  async function secondPage(filters: AccountFilters): Promise<PlanNode> {
    const { db } = testDatabase();
    const first = await listAccounts(db, partner.partnerId, filters, { size: 5 }, clock);
    expect(first.next).to.be.a('string');
    return planOf(() => listAccounts(db, partner.partnerId, filters, { size: 5, after: first.next }, clock), NO_SEQ_SCAN);
  }

  it('pages by name along (partner_id, lower(name), id), with no sort', async () => {
    const scan = pageScan(await secondPage(base));
    expect(scan['Node Type']).to.equal('Index Scan');
    expect(scan['Index Name']).to.equal('customer_accounts_partner_name_idx');
    expect(scan['Index Cond']).to.match(/ROW\(lower\(name\), id\) > ROW\(/);
  });

  it('pages by expiry along (partner_id, ends_on, id), with no sort', async () => {
    const scan = pageScan(await secondPage({ ...base, sort: 'expiry' }));
    expect(scan['Index Name']).to.equal('customer_accounts_partner_ends_on_idx');
    expect(scan['Index Cond']).to.match(/ROW\(ends_on, id\) > ROW\(/);
  });

  it('pages newest first along (partner_id, id DESC), with no sort', async () => {
    const scan = pageScan(await secondPage({ ...base, sort: 'newest' }));
    expect(scan['Index Name']).to.equal('customer_accounts_partner_newest_idx');
    expect(scan['Index Cond']).to.match(/id < /);
  });

  it('searches through the trigram index on lower(name) || \' \' || lower(email)', async () => {
    const { db } = testDatabase();
    // With so few rows the partner's own indexes are cheaper; without them, the trigram index must serve.
    const partnerIndexes = [
      'customer_accounts_partner_name_idx',
      'customer_accounts_partner_newest_idx',
      'customer_accounts_partner_ends_on_idx',
      'customer_accounts_partner_status_idx',
      'customer_accounts_partner_status_name_idx',
      'customer_accounts_partner_oldest_backup_idx',
      'customer_accounts_partner_backup_sort_idx',
      'customer_accounts_partner_health_seq_idx',
      'customer_accounts_partner_email_idx',
    ];
    const plan = await planOf(() => listAccounts(db, partner.partnerId, { ...base, search: 'Customer 1' }, { size: 25 }, clock), [...NO_SEQ_SCAN, `DROP INDEX ${partnerIndexes.join(', ')}`]);
    const scans = nodes(plan).filter((n) => n['Node Type'] === 'Bitmap Index Scan' && n['Index Name']?.startsWith('customer_accounts'));
    expect(scans.map((n) => n['Index Name'])).to.deep.equal(['customer_accounts_search_idx']);
    expect(scans[0]['Index Cond']).to.include("~~ '%customer 1%'");
  });

  it('counts per status from the covering index alone', async () => {
    const { db } = testDatabase();
    // On a dozen rows any index of the partner's is cheap; the status-and-name index is left
    // out so the plan shows whether the covering index can serve the counts alone.
    const plan = await planOf(
      () => countAccountsByStatus(db, partner.partnerId, { search: '', productId: 'safe', administrator: 'customer' }, clock),
      // The backup health indexes also hold the partner's rows; they are left out for the same reason.
      [...NO_SEQ_SCAN, 'DROP INDEX customer_accounts_partner_status_name_idx, customer_accounts_partner_oldest_backup_idx, customer_accounts_partner_backup_sort_idx, customer_accounts_partner_health_seq_idx, customer_accounts_partner_email_idx'],
    );
    const scans = nodes(plan).filter((n) => n['Relation Name'] === 'customer_accounts');
    expect(scans.map((n) => [n['Node Type'], n['Index Name']])).to.deep.equal([['Index Only Scan', 'customer_accounts_partner_status_idx']]);
  });

  it('lists trials by expiry, and those ending within 7 days, along the partial (partner_id, ends_on, id) WHERE trial index', async () => {
    const { db } = testDatabase();
    for (const filters of [{ ...base, status: 'trial', sort: 'expiry' }, { ...base, trialEnding: true, sort: 'expiry' }] as AccountFilters[]) {
      const scan = pageScan(await planOf(() => listAccounts(db, partner.partnerId, filters, { size: 25 }, clock), NO_SEQ_SCAN));
      expect(scan['Index Name'], JSON.stringify(filters)).to.equal('customer_accounts_partner_trial_idx');
    }
  });

  it('filters by status in name order along (partner_id, status, lower(name), id)', async () => {
    const { db } = testDatabase();
    const plan = await planOf(() => listAccounts(db, partner.partnerId, { ...base, status: 'pending' }, { size: 25 }, clock), NO_SEQ_SCAN);
    const scan = pageScan(plan);
    expect(scan['Index Name']).to.equal('customer_accounts_partner_status_name_idx');
    expect(scan['Index Cond']).to.match(/status = 'pending_registration'/);
  });
});
