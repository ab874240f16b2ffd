// When a partner's counts per status are due, the page views that ask at once share one
// count instead of each reading every one of the partner's rows (models/accounts/counts.ts).
import { expect } from 'chai';
import { testDatabase } from '../support/hooks.ts';
import { createTestPartner } from '../support/app.ts';
import { purchaseFor } from '../support/fixtures.ts';
import { countAccountsByStatusCached } from '../../models/accounts/counts.ts';

describe('the Accounts tab’s counts per status under concurrent page views', () => {
  it('runs one count for sixteen page views asking at once, and gives each the same figures', async () => {
    const { db } = testDatabase();
    const partner = await createTestPartner('Single Count IT');
    await purchaseFor(partner, { administrator: 'partner' });
    await purchaseFor(partner, { administrator: 'customer' });
    const counts: string[] = [];
    const listener = (query: { sql: string }) => {
      if (/count\(\*\)/.test(query.sql)) counts.push(query.sql);
    };
    db.on('query', listener);
    try {
      // A version no count has been kept for: every caller finds the counts due.
      const answers = await Promise.all(Array.from({ length: 16 }, () => countAccountsByStatusCached(db, partner.partnerId, { search: '' }, undefined, 987_654)));
      expect(counts).to.have.length(1);
      for (const answer of answers) expect(answer).to.deep.equal(answers[0]);
      expect(answers[0].all).to.equal(2);
    } finally {
      db.off('query', listener);
    }
  });
});
