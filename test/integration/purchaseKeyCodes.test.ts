import crypto from 'node:crypto';
import { expect } from 'chai';
import { KEY_CODE_ALPHABET, newKeyCode, normaliseKeyCode } from '../../lib/codes.ts';
import { placePurchase } from '../../models/purchases.ts';
import { testDatabase } from '../support/hooks.ts';
import { createTestPartner, testConfig, uniqueEmail } from '../support/app.ts';
import { partnerSessionUser } from '../support/fixtures.ts';

const SHAPE = /^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/;

describe('key codes: XXXX-XXXX-XXXX-XXXX, unambiguous, unique', function () {
  this.timeout(60_000);

  it('draws only from letters and digits that cannot be mistaken for one another', () => {
    for (const lookAlike of ['0', 'O', '1', 'I', 'L', '5', 'S', '2', 'Z', '8', 'B']) expect(KEY_CODE_ALPHABET).not.to.include(lookAlike);
    expect(new Set(KEY_CODE_ALPHABET).size).to.equal(KEY_CODE_ALPHABET.length);
    const fromAlphabet = new RegExp(`^[${KEY_CODE_ALPHABET}]{4}(-[${KEY_CODE_ALPHABET}]{4}){3}$`);
    const codes = Array.from({ length: 20_000 }, newKeyCode);
    expect(codes.filter((code) => !SHAPE.test(code) || !fromAlphabet.test(code))).to.deep.equal([]);
    expect(new Set(codes).size, '20,000 draws, no repeat').to.equal(20_000);
  });

  it('uses every character of the alphabet, in about equal shares (a crypto-random draw, not a biased one)', () => {
    const tally = new Map<string, number>();
    const draws = 20_000;
    for (let i = 0; i < draws; i += 1) for (const c of newKeyCode().replace(/-/g, '')) tally.set(c, (tally.get(c) ?? 0) + 1);
    expect([...tally.keys()].sort().join('')).to.equal([...KEY_CODE_ALPHABET].sort().join(''));
    const expected = (draws * 16) / KEY_CODE_ALPHABET.length;
    for (const [c, n] of tally) expect(Math.abs(n - expected) / expected, c).to.be.below(0.1);
  });

  it('reads back what people type: lower case, spaces, missing dashes', () => {
    const code = newKeyCode();
    expect(normaliseKeyCode(code.toLowerCase())).to.equal(code);
    expect(normaliseKeyCode(code.replace(/-/g, ' '))).to.equal(code);
    expect(normaliseKeyCode(code.replace(/-/g, ''))).to.equal(code);
    expect(normaliseKeyCode('0000-0000-0000-0000'), 'look-alikes are never a key code').to.equal(undefined);
  });

  it('gives every purchase its own key code, also 100 placed at once', async () => {
    const partner = await createTestPartner('Key Code IT');
    const buyer = partnerSessionUser(partner);
    const placed = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        placePurchase(
          testDatabase().db,
          buyer,
          {
            purchaseKey: crypto.randomUUID(),
            customerName: `Key Code Customer ${i}`,
            customerEmail: uniqueEmail('keycode'),
            productId: 'safe',
            planId: 'safe-basic',
            computers: 1,
            termYears: 1,
            administrator: 'partner',
          },
          { config: testConfig() },
        ),
      ),
    );
    const codes = await testDatabase()
      .db('subscriptions')
      .whereIn('customer_account_id', placed.map((p) => p.accountId))
      .pluck('key_code');
    expect(codes).to.have.length(100);
    expect(new Set(codes).size).to.equal(100);
    for (const code of codes) expect(normaliseKeyCode(code)).to.equal(code);
  });

  it('is guarded by the database too: a second subscription with the same key code is refused', async () => {
    const { db } = testDatabase();
    const existing = await db('subscriptions').first();
    const partner = await createTestPartner('Key Code Clash IT');
    const [account] = await db('customer_accounts')
      .insert({ partner_id: partner.partnerId, name: 'Clash', email: uniqueEmail(), administrator: 'partner', status: 'active', purchase_key: crypto.randomUUID() })
      .returning('id');
    const { id: _id, customer_account_id: _a, created_at: _c, ...rest } = existing;
    let error: { constraint?: string } | undefined;
    try {
      await db('subscriptions').insert({ ...rest, partner_id: partner.partnerId, customer_account_id: account.id });
    } catch (e) {
      error = e as { constraint?: string };
    }
    expect(error?.constraint).to.equal('subscriptions_key_code_unique');
    await db('customer_accounts').where({ id: account.id }).delete();
  });
});
