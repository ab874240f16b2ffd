import { expect } from 'chai';
import { readAccountListQuery, readHandOver } from '../../../validators/accounts.ts';
import type { Catalog } from '../../../models/catalog.ts';

// The migration's catalog, cut down: enough ids to tell known from unknown, no database.
const catalog: Catalog = {
  products: [
    { id: 'safe', name: 'Safe', minComputers: 1, maxComputers: 1 },
    { id: 'safe-backup-pro', name: 'Safe Backup Pro', minComputers: 1, maxComputers: 500 },
  ],
  plans: [
    { id: 'safe-basic', productId: 'safe', name: 'Basic', yearlyPriceCents: 7199 },
    { id: 'sbp-core', productId: 'safe-backup-pro', name: 'Core', yearlyPriceCents: 28799 },
  ],
};

describe('validators/accounts: readHandOver', () => {
  it('answers the customer email address, trimmed', () => {
    expect(readHandOver({ email: ' new.owner@example.com ' })).to.deep.equal({ ok: true, value: 'new.owner@example.com' });
  });

  it('asks for the customer email address when it is empty, missing, an array or an object', () => {
    const failed = {
      ok: false,
      errors: {
        summary: [{ text: 'Enter the customer email address', href: '#field-email' }],
        fields: { email: 'Enter the customer email address' },
      },
      values: { email: '' },
    };
    expect(readHandOver({ email: '  ' })).to.deep.equal(failed);
    expect(readHandOver({})).to.deep.equal(failed);
    expect(readHandOver(undefined)).to.deep.equal(failed);
    expect(readHandOver({ email: ['a@example.com', 'b@example.com'] })).to.deep.equal(failed);
    expect(readHandOver({ email: { address: 'a@example.com' } })).to.deep.equal(failed);
  });

  it('refuses an address in the wrong format and keeps it to draw back', () => {
    const message = 'Enter the customer email address in the correct format, like name@example.com';
    expect(readHandOver({ email: 'new.owner@example' })).to.deep.equal({
      ok: false,
      errors: { summary: [{ text: message, href: '#field-email' }], fields: { email: message } },
      values: { email: 'new.owner@example' },
    });
  });

  it('refuses an address longer than 254 characters rather than cutting it', () => {
    const email = `${'a'.repeat(250)}@example.com`;
    const result = readHandOver({ email });
    expect(result.ok).to.equal(false);
    if (!result.ok) {
      expect(result.errors.fields).to.deep.equal({ email: 'Enter the customer email address in the correct format, like name@example.com' });
      expect(result.values).to.deep.equal({ email });
    }
  });
});

describe('validators/accounts: readAccountListQuery', () => {
  const defaults = {
    filters: {
      search: '',
      status: undefined,
      productId: undefined,
      administrator: undefined,
      health: undefined,
      expiring: undefined,
      pendingLong: undefined,
      trialEnding: undefined,
      autoRenew: undefined,
      sort: 'name',
    },
    size: 25,
    after: '',
    before: '',
  };

  it('answers the defaults for an empty address bar: no filters, sorted by name, 25 a page', () => {
    expect(readAccountListQuery({}, catalog)).to.deep.equal(defaults);
  });

  it('reads every known filter, sort, size and cursor', () => {
    expect(
      readAccountListQuery(
        { q: ' acme ', status: 'link_expired', product: 'safe-backup-pro', administrator: 'customer', sort: 'expiry', size: '100', after: 'cursor-a', before: 'cursor-b' },
        catalog,
      ),
    ).to.deep.equal({
      filters: { ...defaults.filters, search: 'acme', status: 'link_expired', productId: 'safe-backup-pro', administrator: 'customer', sort: 'expiry' },
      size: 100,
      after: 'cursor-a',
      before: 'cursor-b',
    });
  });

  it('accepts each status, sort and page size the tab offers', () => {
    for (const status of ['active', 'trial', 'pending', 'link_expired', 'expired']) expect(readAccountListQuery({ status }, catalog).filters.status).to.equal(status);
    for (const sort of ['name', 'expiry', 'newest']) expect(readAccountListQuery({ sort }, catalog).filters.sort).to.equal(sort);
    for (const size of [25, 50, 100]) expect(readAccountListQuery({ size: String(size) }, catalog).size).to.equal(size);
    for (const administrator of ['partner', 'customer']) expect(readAccountListQuery({ administrator }, catalog).filters.administrator).to.equal(administrator);
  });

  it('ignores unknown statuses, products, administrators, sorts and sizes instead of failing', () => {
    expect(
      readAccountListQuery({ status: 'deleted', product: 'safe-gold', administrator: 'reseller', sort: 'price', size: '1000' }, catalog),
    ).to.deep.equal(defaults);
    expect(readAccountListQuery({ size: '26' }, catalog).size).to.equal(25);
    expect(readAccountListQuery({ size: '-50' }, catalog).size).to.equal(25);
    expect(readAccountListQuery({ status: 'ACTIVE' }, catalog).filters.status).to.equal(undefined);
  });

  it('reads the backup health, the Overview’s expiring and long-pending filters, and the sort by last backup', () => {
    expect(readAccountListQuery({ health: 'not_backing_up', expiring: '30-days', pending: 'over-7-days', sort: 'backup' }, catalog).filters).to.deep.equal({
      ...defaults.filters,
      health: 'not_backing_up',
      expiring: true,
      pendingLong: true,
      sort: 'backup',
    });
    for (const health of ['overdue', 'waiting', 'up_to_date', 'no_computers']) expect(readAccountListQuery({ health }, catalog).filters.health).to.equal(health);
    expect(readAccountListQuery({ health: 'stopped', expiring: 'yes', pending: 'true', trialEnding: '1' }, catalog).filters).to.deep.equal(defaults.filters);
  });

  it('reads the Overview’s trials ending within 7 days', () => {
    expect(readAccountListQuery({ trialEnding: '7-days' }, catalog).filters.trialEnding).to.equal(true);
  });

  it('ignores a product id that is a plan id, not a product id', () => {
    expect(readAccountListQuery({ product: 'sbp-core' }, catalog).filters.productId).to.equal(undefined);
  });

  it('ignores repeated parameters (arrays) and nested ones (objects)', () => {
    expect(
      readAccountListQuery(
        { q: ['acme', 'other'], status: ['active', 'expired'], product: { id: 'safe' }, administrator: ['partner'], sort: ['expiry'], size: ['50'], after: ['x'], before: { a: 'b' } },
        catalog,
      ),
    ).to.deep.equal(defaults);
  });

  it('strips control characters from the search and caps it at 100 characters', () => {
    expect(readAccountListQuery({ q: 'ac\u0000me\u001f\u007f' }, catalog).filters.search).to.equal('acme');
    expect(readAccountListQuery({ q: 'q'.repeat(150) }, catalog).filters.search).to.equal('q'.repeat(100));
  });

  it('keeps the search as typed otherwise: LIKE wildcards are escaped by the model, not here', () => {
    expect(readAccountListQuery({ q: '50%_off\\' }, catalog).filters.search).to.equal('50%_off\\');
  });

  it('caps the page cursors at 2000 characters', () => {
    const result = readAccountListQuery({ after: 'a'.repeat(2500), before: 'b'.repeat(2001) }, catalog);
    expect(result.after).to.equal('a'.repeat(2000));
    expect(result.before).to.equal('b'.repeat(2000));
  });
});
