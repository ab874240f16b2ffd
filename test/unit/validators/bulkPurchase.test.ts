import { expect } from 'chai';
import { readBulkPurchaseFile, type BulkRow, type CheckedFile } from '../../../validators/bulkPurchase.ts';
import type { Catalog } from '../../../models/catalog.ts';

// A third product whose range starts above 1, so the limits are seen to come from the catalog.
const catalog: Catalog = {
  products: [
    { id: 'safe', name: 'Safe', minComputers: 1, maxComputers: 1 },
    { id: 'safe-backup-pro', name: 'Safe Backup Pro', minComputers: 1, maxComputers: 500 },
    { id: 'safe-team', name: 'Safe Team', minComputers: 5, maxComputers: 50 },
  ],
  plans: [
    { id: 'safe-basic', productId: 'safe', name: 'Basic', yearlyPriceCents: 7199 },
    { id: 'sbp-core', productId: 'safe-backup-pro', name: 'Core', yearlyPriceCents: 28799 },
    { id: 'team-core', productId: 'safe-team', name: 'Core', yearlyPriceCents: 9999 },
  ],
};

function read(text: string): CheckedFile {
  const result = readBulkPurchaseFile({ originalname: 'p.csv', buffer: Buffer.from(text, 'utf8') }, catalog);
  if (!result.ok) throw new Error(`refused: ${result.errors.summary[0].text}`);
  return result.value;
}

const problemsOf = (row: BulkRow) => row.problems.map((p) => `${p.column}: ${p.message}`);

describe('validators/bulkPurchase: reading a CSV of purchases', () => {
  it('matches column names without regard to case, spaces, dashes or underscores, in any order, and the form’s longer labels', () => {
    const file = read('ADMINISTRATOR,term,Number of computers,plan,PRODUCT,customer_email_address,Customer-Name\npartner,2,7,core,safe team,a@example.test,Acme\n');
    expect(file.rows[0].purchase).to.deep.equal({ customerName: 'Acme', customerEmail: 'a@example.test', productId: 'safe-team', planId: 'team-core', computers: 7, termYears: 2, administrator: 'partner' });
    expect(file.rows[0].totalCents).to.equal(9999 * 7 * 2);
  });

  it('reads ; files whose cells hold commas, and , files whose cells hold semicolons', () => {
    const semicolons = read('Customer name;Customer email;Product;Plan;Computers;Term;Administrator\nSmith, Jones;a@example.test;Safe;Basic;1;1;partner\n');
    expect(semicolons.rows[0].purchase?.customerName).to.equal('Smith, Jones');
    const commas = read('Customer name,Customer email,Product,Plan,Computers,Term,Administrator\n"Smith; Jones",a@example.test,Safe,Basic,1,1,partner\n');
    expect(commas.rows[0].purchase?.customerName).to.equal('Smith; Jones');
  });

  it('numbers rows as a spreadsheet does (the header is row 1), skipping blank rows without losing a purchase after them', () => {
    const file = read('Customer name,Customer email,Product,Plan,Computers,Term,Administrator\nA,a@example.test,Safe,Basic,1,1,partner\n\n,,,,,,\nB,b@example.test,Safe,Basic,1,1 year,customer\n,,,,,,\n\n');
    expect(file.rows.map((r) => [r.row, r.purchase?.customerName])).to.deep.equal([
      [2, 'A'],
      [5, 'B'],
    ]);
  });

  it('judges computers against the product’s own limits, and says which products and plans exist when a name is unknown', () => {
    const file = read(
      [
        'Customer name,Customer email,Product,Plan,Computers,Term,Administrator',
        'A,a@example.test,Safe Team,Core,4,1,partner',
        'B,b@example.test,Safe,Core,1,1,partner',
        'C,c@example.test,Safe Pro,Core,1,1,partner',
        'D,d@example.test,Safe,Basic,1,5,boss,extra',
      ].join('\n'),
    );
    expect(problemsOf(file.rows[0])).to.deep.equal(['Computers: Number of computers must be between 5 and 50']);
    expect(problemsOf(file.rows[1])).to.deep.equal(['Plan: Safe has no plan “Core”: use Basic']);
    // An unknown product: no plan or computers message that could not be right.
    expect(problemsOf(file.rows[2])).to.deep.equal(['Product: There is no product “Safe Pro”: use Safe, Safe Backup Pro and Safe Team']);
    expect(problemsOf(file.rows[3])).to.deep.equal([
      'Term: The term must be 1, 2 and 3 (years)',
      'Administrator: The administrator must be partner (you administer the account) or customer (the customer manages their own account)',
      'Row: The row has more cells than the 7 columns',
    ]);
    expect(file.rows.every((r) => r.purchase === undefined)).to.equal(true);
  });
});
