import { expect } from 'chai';
import { testDatabase } from '../support/hooks.ts';
import { createTestPartner, type TestPartner } from '../support/app.ts';
import { purchaseFor } from '../support/fixtures.ts';
import { countAccountsByStatusCached } from '../../models/accounts/counts.ts';
import { clockAt } from '../../models/accounts/statuses.ts';

describe('the Accounts tab’s counts per status, kept between page views', () => {
  let partner: TestPartner;
  const filters = { search: '' };

  before(async () => {
    partner = await createTestPartner('Counts IT');
    await purchaseFor(partner, { administrator: 'partner' });
  });

  function queriesDuring(run: () => Promise<unknown>): Promise<string[]> {
    const { db } = testDatabase();
    const seen: string[] = [];
    const listener = (query: { sql: string }) => seen.push(query.sql);
    db.on('query', listener);
    return run().then(
      () => {
        db.off('query', listener);
        return seen;
      },
      (error) => {
        db.off('query', listener);
        throw error;
      },
    );
  }

  it('reuses the counts while nothing of the partner’s changed: one small query instead of a count', async () => {
    const { db } = testDatabase();
    const first = await countAccountsByStatusCached(db, partner.partnerId, filters);
    const queries = await queriesDuring(() => countAccountsByStatusCached(db, partner.partnerId, filters));
    expect(queries).to.have.length(1);
    expect(queries[0]).to.match(/accounts_version/);
    expect(await countAccountsByStatusCached(db, partner.partnerId, filters)).to.deep.equal(first);
  });

  it('counts again as soon as a purchase is placed, whichever instance placed it', async () => {
    const { db } = testDatabase();
    const before = await countAccountsByStatusCached(db, partner.partnerId, filters);
    await purchaseFor(partner, { administrator: 'customer' });
    const after = await countAccountsByStatusCached(db, partner.partnerId, filters);
    expect(after.all).to.equal(before.all + 1);
    expect(after.pending).to.equal(before.pending + 1);
  });

  it('counts again when a registration link expires by a write, and after 30 seconds when only the clock moved', async () => {
    const { db } = testDatabase();
    const account = await purchaseFor(partner, { administrator: 'customer' });
    const before = await countAccountsByStatusCached(db, partner.partnerId, filters);
    await db('registration_invitations').where({ customer_account_id: account.accountId }).update({ expires_at: db.raw(`now() - interval '1 minute'`) });
    const after = await countAccountsByStatusCached(db, partner.partnerId, filters);
    expect(after.link_expired).to.equal(before.link_expired + 1);
    expect(after.pending).to.equal(before.pending - 1);

    const later = clockAt(new Date(Date.now() + 31_000));
    const queries = await queriesDuring(() => countAccountsByStatusCached(db, partner.partnerId, filters, later));
    expect(queries.some((sql) => /count\(\*\)/.test(sql))).to.equal(true);
  });
});
