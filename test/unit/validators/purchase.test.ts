import { expect } from 'chai';
import { ADMINISTRATORS, CUSTOMER_NAME_MAX_LENGTH, purchaseFormValues, readPurchase } from '../../../validators/purchase.ts';
import type { Catalog } from '../../../models/catalog.ts';

// Built here, as the migration's catalog is shaped, with a third product whose range starts
// above 1 so the lower bound is seen to come from the catalog.
const catalog: Catalog = {
  products: [
    { id: 'safe', name: 'Safe', minComputers: 1, maxComputers: 1 },
    { id: 'safe-backup-pro', name: 'Safe Backup Pro', minComputers: 1, maxComputers: 500 },
    { id: 'safe-team', name: 'Safe Team', minComputers: 5, maxComputers: 50 },
  ],
  plans: [
    { id: 'safe-basic', productId: 'safe', name: 'Basic', yearlyPriceCents: 7199 },
    { id: 'safe-plus', productId: 'safe', name: 'Plus', yearlyPriceCents: 11199 },
    { id: 'sbp-core', productId: 'safe-backup-pro', name: 'Core', yearlyPriceCents: 28799 },
    { id: 'team-core', productId: 'safe-team', name: 'Team Core', yearlyPriceCents: 9999 },
  ],
};

const valid = {
  customerName: 'Acme Dental',
  customerEmail: 'office@acme-dental.example',
  product: 'safe-backup-pro',
  plan: 'sbp-core',
  computers: '12',
  term: '2',
  administrator: 'partner',
};

function fieldsOf(body: Record<string, unknown>): Record<string, string> {
  const result = readPurchase(body, catalog);
  return result.ok ? {} : result.errors.fields;
}

describe('validators/purchase: readPurchase', () => {
  it('answers the typed draft for a valid body', () => {
    expect(readPurchase(valid, catalog)).to.deep.equal({
      ok: true,
      value: {
        customerName: 'Acme Dental',
        customerEmail: 'office@acme-dental.example',
        productId: 'safe-backup-pro',
        planId: 'sbp-core',
        computers: 12,
        termYears: 2,
        administrator: 'partner',
      },
    });
  });

  it('ignores fields it does not know (an allow-list)', () => {
    const result = readPurchase({ ...valid, partnerId: '99', priceCents: '1' }, catalog);
    expect(result.ok && Object.keys(result.value)).to.deep.equal(['customerName', 'customerEmail', 'productId', 'planId', 'computers', 'termYears', 'administrator']);
  });

  it('trims every field and reads computers written with spaces or thousands commas', () => {
    const result = readPurchase({ ...valid, customerName: '  Acme Dental ', product: ' safe-backup-pro ', computers: ' 1 2 ', term: ' 3 ', administrator: ' customer ' }, catalog);
    expect(result.ok && result.value).to.deep.equal({
      customerName: 'Acme Dental',
      customerEmail: 'office@acme-dental.example',
      productId: 'safe-backup-pro',
      planId: 'sbp-core',
      computers: 12,
      termYears: 3,
      administrator: 'customer',
    });
    expect(fieldsOf({ ...valid, computers: '0,500' })).to.deep.equal({});
  });

  it('gives every problem of an empty form, in page order, each linked to #field-<name>', () => {
    expect(readPurchase({}, catalog)).to.deep.equal({
      ok: false,
      errors: {
        summary: [
          { text: 'Enter the customer name', href: '#field-customerName' },
          { text: 'Enter the customer email address', href: '#field-customerEmail' },
          { text: 'Choose a product', href: '#field-product' },
          { text: 'Choose a plan', href: '#field-plan' },
          { text: 'Choose a term', href: '#field-term' },
          { text: 'Choose who will be the account administrator', href: '#field-administrator' },
        ],
        fields: {
          customerName: 'Enter the customer name',
          customerEmail: 'Enter the customer email address',
          product: 'Choose a product',
          plan: 'Choose a plan',
          term: 'Choose a term',
          administrator: 'Choose who will be the account administrator',
        },
      },
      values: { customerName: '', customerEmail: '', product: '', plan: '', computers: '', term: '', administrator: '' },
    });
  });

  it('keeps the values as typed (trimmed) to draw back when something is wrong', () => {
    const result = readPurchase({ ...valid, customerEmail: ' office@acme ' }, catalog);
    expect(result).to.deep.equal({
      ok: false,
      errors: {
        summary: [{ text: 'Enter the customer email address in the correct format, like name@example.com', href: '#field-customerEmail' }],
        fields: { customerEmail: 'Enter the customer email address in the correct format, like name@example.com' },
      },
      values: { ...valid, customerEmail: 'office@acme' },
    });
  });

  it('treats arrays and objects instead of strings as empty fields', () => {
    expect(
      fieldsOf({ ...valid, customerName: ['Acme', 'Other'], customerEmail: { a: 'b' }, product: ['safe'], plan: { id: 'safe-basic' }, term: [1], administrator: ['partner'] }),
    ).to.deep.equal({
      customerName: 'Enter the customer name',
      customerEmail: 'Enter the customer email address',
      product: 'Choose a product',
      plan: 'Choose a plan',
      term: 'Choose a term',
      administrator: 'Choose who will be the account administrator',
    });
    expect(fieldsOf({ ...valid, computers: ['3', '4'] })).to.deep.equal({ computers: 'Enter the number of computers' });
  });

  it(`accepts a customer name of ${CUSTOMER_NAME_MAX_LENGTH} characters and refuses one more`, () => {
    expect(fieldsOf({ ...valid, customerName: 'n'.repeat(CUSTOMER_NAME_MAX_LENGTH) })).to.deep.equal({});
    expect(fieldsOf({ ...valid, customerName: 'n'.repeat(CUSTOMER_NAME_MAX_LENGTH + 1) })).to.deep.equal({ customerName: 'Customer name must be 200 characters or fewer' });
  });

  // Found by these tests and fixed: a value over the limit is refused or cleaned, never cut or kept.
  it('counts the customer name in characters: 150 emoji are accepted', () => {
    expect(fieldsOf({ ...valid, customerName: '😀'.repeat(150) })).to.deep.equal({});
  });

  it('strips control characters from the customer name', () => {
    const result = readPurchase({ ...valid, customerName: 'Acme\u0000 Dental\u0007' }, catalog);
    expect(result.ok && result.value.customerName).to.equal('Acme Dental');
  });

  it('refuses a customer email in the wrong format or longer than 254 characters', () => {
    const wrong = { customerEmail: 'Enter the customer email address in the correct format, like name@example.com' };
    expect(fieldsOf({ ...valid, customerEmail: 'office' })).to.deep.equal(wrong);
    expect(fieldsOf({ ...valid, customerEmail: `${'a'.repeat(243)}@example.com` })).to.deep.equal(wrong);
  });

  it('refuses product and plan ids the catalog does not know', () => {
    expect(fieldsOf({ ...valid, product: 'safe-gold', plan: 'gold' })).to.deep.equal({ product: 'Choose a product', plan: 'Choose a plan' });
    expect(fieldsOf({ ...valid, product: 'SAFE-BACKUP-PRO' })).to.deep.equal({ product: 'Choose a product' });
    expect(fieldsOf({ ...valid, plan: 'sbp-gold' })).to.deep.equal({ plan: 'Choose a plan' });
  });

  it('refuses a plan of another product, naming the product chosen', () => {
    expect(fieldsOf({ ...valid, plan: 'safe-basic' })).to.deep.equal({ plan: 'Choose a plan of Safe Backup Pro' });
  });

  it('does not judge the computers until a product is chosen', () => {
    expect(fieldsOf({ ...valid, product: '', computers: 'many' })).to.deep.equal({ product: 'Choose a product' });
  });

  it('asks for the number of computers when it is empty, for a product of more than one', () => {
    expect(fieldsOf({ ...valid, computers: '' })).to.deep.equal({ computers: 'Enter the number of computers' });
  });

  it('refuses computers that are not a whole number', () => {
    const message = { computers: 'Number of computers must be a whole number, like 5' };
    for (const computers of ['five', '2.5', '-3', '1e2', '0x10', '+4', '１２']) {
      expect(fieldsOf({ ...valid, computers }), computers).to.deep.equal(message);
    }
  });

  it('keeps the number of computers within each product’s range, both ends included', () => {
    expect(fieldsOf({ ...valid, computers: '1' })).to.deep.equal({});
    expect(fieldsOf({ ...valid, computers: '500' })).to.deep.equal({});
    expect(fieldsOf({ ...valid, computers: '0' })).to.deep.equal({ computers: 'Number of computers must be between 1 and 500' });
    expect(fieldsOf({ ...valid, computers: '501' })).to.deep.equal({ computers: 'Number of computers must be between 1 and 500' });
    expect(fieldsOf({ ...valid, computers: '99999999999999999999' })).to.deep.equal({ computers: 'Number of computers must be between 1 and 500' });

    const team = { ...valid, product: 'safe-team', plan: 'team-core' };
    expect(fieldsOf({ ...team, computers: '4' })).to.deep.equal({ computers: 'Number of computers must be between 5 and 50' });
    expect(fieldsOf({ ...team, computers: '5' })).to.deep.equal({});
    expect(fieldsOf({ ...team, computers: '50' })).to.deep.equal({});
    expect(fieldsOf({ ...team, computers: '51' })).to.deep.equal({ computers: 'Number of computers must be between 5 and 50' });
  });

  it('reads leading zeros as the number they write', () => {
    const result = readPurchase({ ...valid, computers: '007' }, catalog);
    expect(result.ok && result.value.computers).to.equal(7);
  });

  describe('Safe, which is for one computer', () => {
    const safe = { ...valid, product: 'safe', plan: 'safe-plus' };

    it('takes an empty computers field as 1 and draws 1 back', () => {
      expect(readPurchase({ ...safe, computers: '' }, catalog)).to.deep.equal({
        ok: true,
        value: { customerName: 'Acme Dental', customerEmail: 'office@acme-dental.example', productId: 'safe', planId: 'safe-plus', computers: 1, termYears: 2, administrator: 'partner' },
      });
      const failed = readPurchase({ ...safe, computers: '', term: '' }, catalog);
      expect(!failed.ok && failed.values.computers).to.equal('1');
    });

    it('accepts 1 and refuses any other number, saying it is for 1 computer only', () => {
      expect(fieldsOf({ ...safe, computers: '1' })).to.deep.equal({});
      for (const computers of ['2', '0', '01', 'one']) {
        expect(fieldsOf({ ...safe, computers }), computers).to.deep.equal({ computers: 'Safe is for 1 computer only: enter 1' });
      }
    });
  });

  it('accepts the terms 1, 2 and 3 years and refuses any other', () => {
    for (const term of ['1', '2', '3']) {
      const result = readPurchase({ ...valid, term }, catalog);
      expect(result.ok && result.value.termYears).to.equal(Number(term));
    }
    for (const term of ['0', '4', '02', '1.0', 'two']) expect(fieldsOf({ ...valid, term }), term).to.deep.equal({ term: 'Choose a term' });
  });

  it('accepts partner and customer as administrator and refuses any other', () => {
    expect(ADMINISTRATORS).to.deep.equal(['partner', 'customer']);
    for (const administrator of ['reseller', 'Partner', 'admin']) {
      expect(fieldsOf({ ...valid, administrator }), administrator).to.deep.equal({ administrator: 'Choose who will be the account administrator' });
    }
  });
});

describe('validators/purchase: purchaseFormValues', () => {
  it('draws a draft back into the form, and the form reads it back to the same draft', () => {
    const draft = {
      customerName: 'Acme Dental',
      customerEmail: 'office@acme-dental.example',
      productId: 'safe-backup-pro',
      planId: 'sbp-core',
      computers: 12,
      termYears: 2,
      administrator: 'partner' as const,
    };
    const values = purchaseFormValues(draft);
    expect(values).to.deep.equal(valid);
    expect(readPurchase(values, catalog)).to.deep.equal({ ok: true, value: draft });
  });
});
