// Bulk purchase by CSV (issue 16, part 1): upload, preview, Place once, the result and its
// report, through the real forms with real CSRF tokens on a real PostgreSQL.
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import type supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { renderEmail } from '../../lib/mail/templates.ts';
import * as format from '../../lib/views/format.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, getForm, signInPartner, uniqueEmail, type TestApp, type TestPartner } from '../support/app.ts';
import { addTeamMember } from '../support/team.ts';

const db = () => testDatabase().db;
const HEADER = 'Customer name,Customer email,Product,Plan,Computers,Term,Administrator';

const decode = (text: string) => text.replace(/&#39;/g, "'").replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#34;/g, '"');

// The upload form's POST as a browser sends it: the page's token, then the file.
async function upload(agent: supertest.Agent, contents: string | Buffer, filename = 'purchases.csv') {
  const { csrf } = await getForm(agent, paths.partner.bulkPurchase);
  return agent.post(paths.partner.bulkPurchase).field('_csrf', csrf).attach('file', Buffer.isBuffer(contents) ? contents : Buffer.from(contents, 'utf8'), { filename, contentType: 'text/csv' });
}

const uploadIdFrom = (location: string) => /\/partner\/purchases\/bulk\/([0-9a-f-]{36})$/.exec(location)?.[1];

async function place(agent: supertest.Agent, uploadId: string) {
  const { csrf } = await getForm(agent, paths.partner.bulkPurchasePreview(uploadId));
  return agent.post(paths.partner.placeBulkPurchase(uploadId)).type('form').send({ _csrf: csrf });
}

function fileMessage(html: string): string | undefined {
  return /<p class="field__error" id="field-file-error"><span class="visually-hidden">Error:<\/span> ([^<]*)<\/p>/.exec(html)?.[1];
}

async function footprint(partner: TestPartner) {
  const count = async (table: string) => Number((await db()(table).where({ partner_id: partner.partnerId }).count<{ n: number }[]>('* as n'))[0].n);
  return { uploads: await count('bulk_uploads'), accounts: await count('customer_accounts'), orders: await count('orders') };
}

describe('Bulk purchase by CSV: upload, preview, Place, result and report', () => {
  let t: TestApp;
  let partner: TestPartner;
  let agent: supertest.Agent;

  before(async () => {
    t = buildTestApp();
    partner = await createTestPartner('Bulk Buyer IT');
    agent = await signInPartner(t.app, partner);
  });
  after(() => t.close());

  it('offers the upload from the Accounts tab, and a template CSV whose first row names the columns', async () => {
    const accounts = await agent.get(paths.partner.accounts).expect(200);
    expect(accounts.text).to.include(`href="${paths.partner.bulkPurchase}">Upload a CSV of purchases</a>`);
    const page = await agent.get(paths.partner.bulkPurchase).expect(200);
    expect(page.text).to.include('enctype="multipart/form-data"');
    expect(page.text).to.include('<label class="field__label" for="field-file">CSV file of purchases</label>');
    const template = await agent.get(paths.partner.bulkPurchaseTemplate).buffer(true).parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks).toString('utf8')));
    });
    expect(template.status).to.equal(200);
    expect(template.headers['content-type']).to.match(/^text\/csv/);
    expect(template.headers['content-disposition']).to.include('purchases-template.csv');
    expect(template.body).to.equal(`\ufeff${HEADER}\r\n`);
  });

  it('places nothing before the preview, then one order with a line per ready row, the accounts, and registration emails for customer-managed rows', async () => {
    const before = await footprint(partner);
    const [safe, pro, managed] = [uniqueEmail('bulk-safe'), uniqueEmail('bulk-pro'), uniqueEmail('bulk-managed')];
    const csv = [HEADER, `River Books,${safe},Safe,Plus,,1,partner`, `Harbor Dental,${pro},safe backup pro,POWER,12,2 years,Partner`, `Maple Cafe,${managed},Safe Backup Pro,Core,3,3,customer`].join('\n');
    const uploaded = await upload(agent, csv);
    expect(uploaded.status).to.equal(303);
    const uploadId = uploadIdFrom(uploaded.headers.location)!;
    expect(uploadId).to.be.a('string');
    const afterUpload = await footprint(partner);
    expect(afterUpload).to.deep.equal({ ...before, uploads: before.uploads + 1 });

    const preview = await agent.get(paths.partner.bulkPurchasePreview(uploadId)).expect(200);
    const html = decode(preview.text);
    expect(html).to.include('<h1>Check the purchases</h1>');
    // Safe Plus $111.99 × 1 × 1; Safe Backup Pro Power $479.99 × 12 × 2; Core $287.99 × 3 × 3.
    expect(html).to.include('$111.99').and.include('$11,519.76').and.include('$2,591.91');
    expect(html).to.include('<strong>$14,223.66</strong>');
    expect(html).to.include('Place 3 purchases</button>');
    // A ready row names its product and plan as the catalog does, not as the file typed them.
    expect(html).to.include('Safe Backup Pro <span class="muted">Power</span>').and.not.include('safe backup pro').and.not.include('POWER');

    const placed = await place(agent, uploadId);
    expect(placed.status).to.equal(303);
    expect(placed.headers.location).to.equal(paths.partner.bulkPurchaseResult(uploadId));

    const orders = await db()('orders').where({ partner_id: partner.partnerId }).orderBy('id', 'desc');
    expect(orders.length).to.equal(before.orders + 1);
    expect(Number(orders[0].total_cents)).to.equal(1422366);
    const lines = await db()('order_lines').where({ order_id: orders[0].id }).orderBy('id');
    expect(lines.map((l) => [l.customer_name, l.plan_name, l.computers, l.term_years, l.amount_cents])).to.deep.equal([
      ['River Books', 'Plus', 1, 1, 11199],
      ['Harbor Dental', 'Power', 12, 2, 1151976],
      ['Maple Cafe', 'Core', 3, 3, 259191],
    ]);
    const accounts = await db()('customer_accounts as a')
      .join('subscriptions as s', 's.customer_account_id', 'a.id')
      .whereIn('a.email', [safe, pro, managed])
      .orderBy('a.id')
      .select('a.id', 'a.name', 'a.email', 'a.administrator', 'a.status', 'a.partner_id', 's.key_code', 's.plan_id', 's.computers_allowed');
    expect(accounts.map((a) => [a.name, a.administrator, a.status, a.plan_id, a.computers_allowed, Number(a.partner_id)])).to.deep.equal([
      ['River Books', 'partner', 'active', 'safe-plus', 1, partner.partnerId],
      ['Harbor Dental', 'partner', 'active', 'sbp-power', 12, partner.partnerId],
      ['Maple Cafe', 'customer', 'pending_registration', 'sbp-core', 3, partner.partnerId],
    ]);
    expect(new Set(accounts.map((a) => a.key_code)).size).to.equal(3);
    expect(lines.map((l) => Number(l.customer_account_id))).to.deep.equal(accounts.map((a) => Number(a.id)));
    const registrations = await db()('outbox_emails').whereIn('customer_account_id', accounts.map((a) => a.id)).where({ template: 'registration-invitation' }).select('recipient', 'data');
    expect(registrations.map((r) => r.recipient)).to.deep.equal([managed]);
    expect(registrations[0].data.keyCode).to.equal(accounts[2].key_code);
    expect(registrations[0].data.partnerName).to.equal('Bulk Buyer IT');
    expect(await db()('outbox_emails').where({ template: 'order-confirmation', recipient: partner.email }).where('idempotency_key', 'like', `order-confirmation:${orders[0].id}:%`).count<{ n: number }[]>('* as n')).to.deep.equal([{ n: 1 }]);

    const result = decode((await agent.get(paths.partner.bulkPurchaseResult(uploadId)).expect(200)).text);
    expect(result).to.include('<h1>Purchases placed</h1>');
    expect(result).to.include('3 purchases placed');
    for (const a of accounts) expect(result).to.include(`<a href="${paths.partner.account(a.id)}">${a.name}</a>`);
    expect(result).to.include(`href="${paths.partner.order(orders[0].id)}"`);

    const report = await agent.get(paths.partner.bulkPurchaseReport(uploadId)).expect(200);
    expect(report.headers['content-type']).to.match(/^text\/csv/);
    const cells = parse(report.text, { bom: true }) as string[][];
    expect(cells[0]).to.deep.equal(['Row', 'Customer name', 'Customer email', 'Product', 'Plan', 'Computers', 'Term', 'Administrator', 'Result', 'Price', 'Account', 'Why it was skipped']);
    expect(cells.slice(1).map((r) => [r[0], r[1], r[8], r[9], r[10], r[11]])).to.deep.equal([
      ['2', 'River Books', 'Placed', '111.99', `${t.config.appUrl}${paths.partner.account(accounts[0].id)}`, ''],
      ['3', 'Harbor Dental', 'Placed', '11519.76', `${t.config.appUrl}${paths.partner.account(accounts[1].id)}`, ''],
      ['4', 'Maple Cafe', 'Placed', '2591.91', `${t.config.appUrl}${paths.partner.account(accounts[2].id)}`, ''],
    ]);

    const activity = decode((await agent.get(paths.partner.activity).expect(200)).text);
    expect(activity).to.include('Bulk purchase by CSV placed from purchases.csv: 3 purchases, 0 rows skipped');
    expect(activity).to.include('Uploaded purchases.csv for a bulk purchase: 3 rows, 3 ready, 0 with problems');
    expect(await db()('audit_events').whereIn('customer_account_id', accounts.map((a) => a.id)).where({ action: 'purchase.completed' }).count<{ n: number }[]>('* as n')).to.deep.equal([{ n: 3 }]);

    // The preview of a placed upload is its result, and a second Place places nothing.
    const again = await agent.get(paths.partner.bulkPurchasePreview(uploadId));
    expect(again.status).to.equal(303);
    expect(again.headers.location).to.equal(paths.partner.bulkPurchaseResult(uploadId));
  });

  it('reads a byte order mark, Excel’s semicolons, CRLF line ends and quoted cells', async () => {
    const email = uniqueEmail('quoted');
    const other = uniqueEmail('semicolon');
    const csv =
      '\ufeffcustomer name;CUSTOMER EMAIL;product;plan;computers;term;administrator\r\n' +
      `"Smith; Jones ""Attorneys""";${email};"Safe Backup Pro";Ultimate;"5";1;partner\r\n` +
      `"Line\r\nBreak, Ltd";${other};Safe;Basic;1;1 year;customer\r\n`;
    const uploaded = await upload(agent, Buffer.from(csv, 'utf8'), 'excel export.csv');
    expect(uploaded.status, uploaded.text).to.equal(303);
    const uploadId = uploadIdFrom(uploaded.headers.location)!;
    const row = await db()('bulk_uploads').where({ id: uploadId }).first('rows', 'ready_count', 'problem_count', 'file_name');
    expect(row.file_name).to.equal('excel export.csv');
    expect([row.ready_count, row.problem_count]).to.deep.equal([2, 0]);
    expect(row.rows[0].purchase).to.deep.include({ customerName: 'Smith; Jones "Attorneys"', customerEmail: email, productId: 'safe-backup-pro', planId: 'sbp-ultimate', computers: 5, termYears: 1, administrator: 'partner' });
    expect(row.rows[1].purchase).to.deep.include({ customerName: 'Line Break, Ltd', customerEmail: other, productId: 'safe', planId: 'safe-basic', termYears: 1, administrator: 'customer' });
    const preview = decode((await agent.get(paths.partner.bulkPurchasePreview(uploadId)).expect(200)).text);
    expect(preview).to.include('Smith; Jones "Attorneys"');
    expect(preview).to.include('Place 2 purchases</button>');
  });

  it('shows each row’s problems with its row number and column, places only the ready rows, and reports why the others were skipped', async () => {
    const ok = uniqueEmail('fine');
    const csv = [
      HEADER,
      `Fine Co,${ok},Safe Backup Pro,Core,2,1,partner`,
      `,not-an-email,Safe,Gold,2,4,someone`,
      `Too Many Computers,${uniqueEmail('many')},Safe Backup Pro,Power,501,1,customer`,
      `Two For Safe,${uniqueEmail('two')},Safe,Basic,2,1,customer`,
      `Wrong Product,${uniqueEmail('wrong')},Carbonite Ultra,Core,1,1,partner`,
    ].join('\r\n');
    const uploaded = await upload(agent, csv);
    expect(uploaded.status).to.equal(303);
    const uploadId = uploadIdFrom(uploaded.headers.location)!;
    const html = decode((await agent.get(paths.partner.bulkPurchasePreview(uploadId)).expect(200)).text);
    for (const problem of [
      'Row 3, Customer name: Enter the customer name',
      'Row 3, Customer email: Enter the customer email address in the correct format, like name@example.com',
      'Row 3, Plan: Safe has no plan “Gold”: use Basic, Plus and Prime',
      'Row 3, Term: The term must be 1, 2 and 3 (years)',
      'Row 3, Administrator: The administrator must be partner',
      'Row 4, Computers: Number of computers must be between 1 and 500',
      'Row 5, Computers: Safe is for 1 computer only: enter 1',
      'Row 6, Product: There is no product “Carbonite Ultra”: use Safe and Safe Backup Pro',
    ]) {
      expect(html).to.include(problem);
    }
    expect(html).to.include('Place 1 purchase</button>');
    const problemsOnly = decode((await agent.get(`${paths.partner.bulkPurchasePreview(uploadId)}?show=problems`).expect(200)).text);
    expect(problemsOnly).to.not.include('Fine Co');
    expect(problemsOnly).to.include('Too Many Computers');

    const before = await footprint(partner);
    expect((await place(agent, uploadId)).status).to.equal(303);
    const after = await footprint(partner);
    expect(after.accounts).to.equal(before.accounts + 1);
    expect(await db()('customer_accounts').where({ partner_id: partner.partnerId, email: ok }).first('id')).to.not.equal(undefined);
    const report = await agent.get(paths.partner.bulkPurchaseReport(uploadId)).expect(200);
    const cells = parse(report.text, { bom: true }) as string[][];
    expect(cells.slice(1).map((r) => [r[0], r[8]])).to.deep.equal([
      ['2', 'Placed'],
      ['3', 'Skipped'],
      ['4', 'Skipped'],
      ['5', 'Skipped'],
      ['6', 'Skipped'],
    ]);
    expect(cells[4][11]).to.equal('Computers: Safe is for 1 computer only: enter 1');
  });

  it('lists the first 50 lines of a 60-line order in its confirmation email, then the 10 more behind the receipt, with the full total', async () => {
    const buyer = await createTestPartner('Many Lines IT');
    const buyerAgent = await signInPartner(t.app, buyer);
    // Each row a computer more than the one before, so every line's amount differs and the total counts all 60.
    const names = Array.from({ length: 60 }, (_, i) => `Customer ${String(i + 1).padStart(2, '0')}`);
    const csv = [HEADER, ...names.map((name, i) => `${name},${uniqueEmail('many-lines')},Safe Backup Pro,Core,${i + 1},1,partner`)].join('\n');
    const uploaded = await upload(buyerAgent, csv);
    expect(uploaded.status, uploaded.text).to.equal(303);
    expect((await place(buyerAgent, uploadIdFrom(uploaded.headers.location)!)).status).to.equal(303);

    const order = await db()('orders').where({ partner_id: buyer.partnerId }).first('id', 'total_cents');
    const { yearly_price_cents: price } = await db()('plans').where({ id: 'sbp-core' }).first('yearly_price_cents');
    expect(Number(order.total_cents)).to.equal(price * ((60 * 61) / 2));
    const mail = await db()('outbox_emails').where({ template: 'order-confirmation', partner_id: buyer.partnerId });
    expect(mail).to.have.length(1);
    expect(mail[0].data.lines.map((line: { customerName: string }) => line.customerName)).to.deep.equal(names.slice(0, 50));
    expect(mail[0].data.moreLines).to.equal(10);

    const rendered = await renderEmail('order-confirmation', mail[0].data, t.config);
    const receiptUrl = `${t.config.appUrl}${paths.partner.order(order.id)}`;
    const total = format.money(Number(order.total_cents), t.config.currency);
    expect(rendered.text).to.include('- Customer 50: Safe Backup Pro, Core plan, 50 computers').and.not.include('Customer 51');
    expect(rendered.text).to.include(`... and 10 more lines: the receipt lists them all.\n  ${receiptUrl}\n`);
    expect(rendered.text).to.include(`Total: ${total}\n`);
    expect(rendered.html).to.include('<strong>Customer 50</strong>').and.not.include('Customer 51');
    expect(rendered.html).to.include(`… and 10 more lines: <a href="${receiptUrl}" style="color:#0b5cad;">the receipt lists them all</a>.`);
    expect(rendered.html).to.include(`Total: <strong>${total}</strong>`);
  });

  describe('a file that cannot be a list of purchases is refused whole, with a clear message, and nothing is kept or placed', () => {
    const manyRows = (n: number) => [HEADER, ...Array.from({ length: n }, (_, i) => `Customer ${i},many.${i}@example.test,Safe,Basic,1,1,partner`)].join('\n');
    const cases: { name: string; file: () => string | Buffer; filename?: string; status: number; message: RegExp }[] = [
      { name: 'an empty file', file: () => '', status: 422, message: /^The selected file is empty$/ },
      { name: 'only a byte order mark and blank lines', file: () => '\ufeff\r\n\r\n', status: 422, message: /^The selected file is empty$/ },
      { name: 'the header alone', file: () => `${HEADER}\n`, status: 422, message: /^The file has no purchases/ },
      { name: 'a spreadsheet (.xlsx)', file: () => Buffer.from('PK\u0003\u0004\u0014\u0000\u0006\u0000', 'latin1'), filename: 'purchases.xlsx', status: 422, message: /^The selected file must be a CSV file/ },
      { name: 'a binary file named .csv', file: () => Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]), status: 422, message: /^The selected file must be a CSV file/ },
      { name: 'a PDF named .csv', file: () => Buffer.from('%PDF-1.7\n%âãÏÓ\n', 'latin1'), status: 422, message: /^The selected file must be a CSV file/ },
      { name: 'a text file that is not UTF-8', file: () => Buffer.from(`${HEADER}\nCaf\xe9 Ren\xe9,rene@example.test,Safe,Basic,1,1,partner\n`, 'latin1'), status: 422, message: /^The file is not saved as UTF-8/ },
      { name: 'an unclosed quote', file: () => `${HEADER}\n"Open quote,a@example.test,Safe,Basic,1,1,partner\n`, status: 422, message: /^The file could not be read as CSV: a quote \(&#34;\) opened on line 2 is never closed$/ },
      {
        name: 'wrong columns',
        file: () => 'Name,Email,Product,Plan,Seats,Term,Administrator\nA,a@example.test,Safe,Basic,1,1,partner\n',
        status: 422,
        message: /But it is missing the Customer name, Customer email and Computers columns; it has columns we do not know: “Name”, “Email” and “Seats”$/,
      },
      { name: 'a column twice', file: () => `${HEADER},Plan\nA,a@example.test,Safe,Basic,1,1,partner,Plus\n`, status: 422, message: /it has the Plan column twice$/ },
      { name: 'over 2 MB', file: () => Buffer.alloc(2 * 1024 * 1024 + 1, 'a'), status: 413, message: /^The file must be 2 MB or smaller/ },
      { name: 'over 5,000 rows', file: () => manyRows(5001), status: 422, message: /^The file has more than 5,000 purchases: upload 5,000 or fewer at a time$/ },
      {
        name: 'a customer email twice',
        file: () => [HEADER, 'A,dup@example.test,Safe,Basic,1,1,partner', 'B,other@example.test,Safe,Basic,1,1,partner', 'C,DUP@example.test,Safe,Plus,1,1,customer'].join('\n'),
        status: 422,
        message: /^Each customer email can be in the file once, but row 4 repeats DUP@example.test from row 2\. Nothing was placed: correct the file and upload it again$/,
      },
    ];
    for (const c of cases) {
      it(`refuses ${c.name}`, async () => {
        const before = await footprint(partner);
        const res = await upload(agent, c.file(), c.filename);
        expect(res.status).to.equal(c.status);
        expect(res.text).to.match(/<title>Error: Upload a CSV of purchases/);
        expect(res.text).to.include('<a href="#field-file">');
        expect(fileMessage(res.text)).to.match(c.message);
        expect(await footprint(partner)).to.deep.equal(before);
      });
    }

    it('refuses a submit without a file, and one that is no multipart form', async () => {
      const before = await footprint(partner);
      const { csrf } = await getForm(agent, paths.partner.bulkPurchase);
      const none = await agent.post(paths.partner.bulkPurchase).field('_csrf', csrf).attach('file', Buffer.alloc(0), { filename: '', contentType: 'application/octet-stream' });
      expect(none.status).to.equal(422);
      expect(fileMessage(none.text)).to.equal('Choose a CSV file of purchases to upload');
      const urlencoded = await agent.post(paths.partner.bulkPurchase).type('form').send({ _csrf: csrf, file: 'Customer name' });
      expect(urlencoded.status).to.equal(422);
      expect(fileMessage(urlencoded.text)).to.equal('Choose a CSV file of purchases to upload');
      const cut = await agent
        .post(paths.partner.bulkPurchase)
        .set('Content-Type', 'multipart/form-data; boundary=XYZ')
        .send(`--XYZ\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nCustomer`);
      expect(cut.status).to.be.oneOf([403, 422]);
      expect(await footprint(partner)).to.deep.equal(before);
    });
  });

  it('places once for 20 Place submits at once: one order, one account per row, every answer the result', async () => {
    const emails = Array.from({ length: 30 }, (_, i) => uniqueEmail(`concurrent${i}`));
    const csv = [HEADER, ...emails.map((e, i) => `Concurrent ${i},${e},Safe,Basic,1,1,${i % 2 ? 'customer' : 'partner'}`)].join('\n');
    const uploadId = uploadIdFrom((await upload(agent, csv)).headers.location)!;
    const { csrf } = await getForm(agent, paths.partner.bulkPurchasePreview(uploadId));
    const before = await footprint(partner);
    const answers = await Promise.all(Array.from({ length: 20 }, () => agent.post(paths.partner.placeBulkPurchase(uploadId)).type('form').send({ _csrf: csrf })));
    expect(answers.map((a) => a.status)).to.deep.equal(Array(20).fill(303));
    expect(new Set(answers.map((a) => a.headers.location))).to.deep.equal(new Set([paths.partner.bulkPurchaseResult(uploadId)]));
    const after = await footprint(partner);
    expect(after.orders).to.equal(before.orders + 1);
    expect(after.accounts).to.equal(before.accounts + 30);
    expect(await db()('outbox_emails').whereIn('recipient', emails).count<{ n: number }[]>('* as n')).to.deep.equal([{ n: 15 }]);
  });

  it('is a 404 for another partner’s upload (and for another user’s), everywhere', async () => {
    const csv = [HEADER, `Mine Ltd,${uniqueEmail('mine')},Safe,Basic,1,1,partner`].join('\n');
    const uploadId = uploadIdFrom((await upload(agent, csv)).headers.location)!;
    const other = await createTestPartner('Other Bulk IT');
    const otherAgent = await signInPartner(t.app, other);
    const colleague = await addTeamMember(partner, 'admin');
    const colleagueAgent = await signInPartner(t.app, colleague);
    for (const outsider of [otherAgent, colleagueAgent]) {
      for (const url of [paths.partner.bulkPurchasePreview(uploadId), paths.partner.bulkPurchaseResult(uploadId), paths.partner.bulkPurchaseReport(uploadId)]) {
        await outsider.get(url).expect(404);
      }
      const { csrf } = await getForm(outsider, paths.partner.bulkPurchase);
      await outsider.post(paths.partner.placeBulkPurchase(uploadId)).type('form').send({ _csrf: csrf }).expect(404);
    }
    await agent.get(paths.partner.bulkPurchasePreview('not-an-id')).expect(404);
    expect(await db()('bulk_uploads').where({ id: uploadId }).first('state')).to.deep.equal({ state: 'previewed' });
  });

  it('refuses a Read-only user and a User: no upload page, no upload, no Place', async () => {
    const csv = [HEADER, `Owner's Ltd,${uniqueEmail('owners')},Safe,Basic,1,1,partner`].join('\n');
    const uploadId = uploadIdFrom((await upload(agent, csv)).headers.location)!;
    for (const role of ['read_only', 'staff'] as const) {
      const member = await addTeamMember(partner, role);
      const memberAgent = await signInPartner(t.app, member);
      const accounts = await memberAgent.get(paths.partner.accounts).expect(200);
      expect(accounts.text).to.not.include('Upload a CSV of purchases');
      await memberAgent.get(paths.partner.bulkPurchase).expect(403);
      const { csrf } = await getForm(memberAgent, paths.partner.settings);
      const before = await footprint(partner);
      const posted = await memberAgent.post(paths.partner.bulkPurchase).field('_csrf', csrf).attach('file', Buffer.from(csv), { filename: 'p.csv', contentType: 'text/csv' });
      expect(posted.status).to.equal(403);
      await memberAgent.post(paths.partner.placeBulkPurchase(uploadId)).type('form').send({ _csrf: csrf }).expect(403);
      expect(await footprint(partner)).to.deep.equal(before);
    }
  });

  it('does not place an expired preview', async () => {
    const csv = [HEADER, `Late Ltd,${uniqueEmail('late')},Safe,Basic,1,1,partner`].join('\n');
    const uploadId = uploadIdFrom((await upload(agent, csv)).headers.location)!;
    const { csrf } = await getForm(agent, paths.partner.bulkPurchasePreview(uploadId));
    await db()('bulk_uploads').where({ id: uploadId }).update({ expires_at: db().raw("now() - interval '1 minute'") });
    const before = await footprint(partner);
    const res = await agent.post(paths.partner.placeBulkPurchase(uploadId)).type('form').send({ _csrf: csrf });
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal(paths.partner.bulkPurchase);
    expect(await footprint(partner)).to.deep.equal(before);
    const preview = await agent.get(paths.partner.bulkPurchasePreview(uploadId)).expect(200);
    expect(preview.text).to.include('This preview has expired');
    expect(preview.text).to.not.include('Place 1 purchase</button>');
  });
});
