import { expect } from 'chai';
import type supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { renderEmail } from '../../lib/mail/templates.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, csrfTokenFrom, signInPartner, submitForm, uniqueEmail, type TestApp, type TestPartner } from '../support/app.ts';
import { purchaseFor } from '../support/fixtures.ts';

const db = () => testDatabase().db;

async function buyThroughTheForms(agent: supertest.Agent, fields: Record<string, string>): Promise<number> {
  const draft = await submitForm(agent, paths.partner.newPurchase, fields);
  expect(draft.status).to.equal(303);
  const review = await agent.get(paths.partner.reviewPurchase).expect(200);
  const purchaseKey = /name="purchaseKey" value="([^"]+)"/.exec(review.text)![1];
  const done = await agent.post(paths.partner.completePurchase).type('form').send({ purchaseKey, _csrf: csrfTokenFrom(review.text) }).expect(303);
  return Number(/\/partner\/accounts\/(\d+)$/.exec(done.headers.location)![1]);
}

async function ordersOf(partner: TestPartner) {
  return db()('orders').where({ partner_id: partner.partnerId }).orderBy('id');
}

const orderNumbers = (html: string) => [...html.matchAll(/>Order (\d+)<span class="visually-hidden">/g)].map((m) => Number(m[1]));

describe('Orders: every purchase is an order, the Orders tab and the Receipt', () => {
  let t: TestApp;
  let partner: TestPartner;
  let agent: supertest.Agent;

  before(async () => {
    t = buildTestApp({ CURRENCY: 'EUR' });
    partner = await createTestPartner('Orders Test IT');
    agent = await signInPartner(t.app, partner);
  });
  after(() => t.close());

  it('places an order for a New purchase with the catalog prices in cents, the configured currency, and a confirmation email to the buyer', async () => {
    const email = uniqueEmail('harbor');
    const accountId = await buyThroughTheForms(agent, {
      customerName: 'Harbor Dental',
      customerEmail: email,
      product: 'safe-backup-pro',
      plan: 'sbp-power',
      computers: '12',
      term: '2',
      administrator: 'partner',
    });
    const [order] = await ordersOf(partner);
    expect(order).to.include({ kind: 'purchase', currency: 'EUR', total_cents: 47999 * 12 * 2, placed_by_user_id: partner.userId, placed_by_name: 'Pat Partner' });
    const lines = await db()('order_lines').where({ order_id: order.id });
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include({
      customer_account_id: accountId,
      customer_name: 'Harbor Dental',
      product_name: 'Safe Backup Pro',
      plan_name: 'Power',
      computers: 12,
      term_years: 2,
      days: null,
      unit_price_cents: 47999,
      amount_cents: 47999 * 12 * 2,
    });

    const mail = await db()('outbox_emails').where({ template: 'order-confirmation', partner_id: partner.partnerId });
    expect(mail).to.have.length(1);
    expect(mail[0].recipient).to.equal(partner.email);
    expect(mail[0].customer_account_id, 'the customer gets no account email').to.equal(null);
    const rendered = await renderEmail('order-confirmation', mail[0].data, t.config);
    expect(rendered.subject).to.equal(`Carbonite order ${order.id} confirmed: Purchase`);
    expect(rendered.text).to.include('Harbor Dental: Safe Backup Pro, Power plan, 12 computers, 2 years');
    expect(rendered.text).to.include('Total: €11,519.76');
    expect(rendered.text).to.include(`http://localhost:3999${paths.partner.order(order.id)}`);
  });

  it('keeps an order’s prices when the catalog changes afterwards', async () => {
    const { accountId } = await purchaseFor(partner, { productId: 'safe', planId: 'safe-prime', administrator: 'partner' });
    const line = await db()('order_lines').where({ customer_account_id: accountId }).first();
    await db()('plans').where({ id: 'safe-prime' }).update({ yearly_price_cents: 99999 });
    try {
      const receipt = await agent.get(paths.partner.order(line.order_id)).expect(200);
      // Placed through the model with the default currency: the order keeps its own.
      expect(receipt.text).to.include('$149.99');
      expect(receipt.text).not.to.include('$999.99');
    } finally {
      await db()('plans').where({ id: 'safe-prime' }).update({ yearly_price_cents: 14999 });
    }
  });

  it('shows the Receipt with its lines and total, printable, and another partner’s order as a 404', async () => {
    const [order] = await ordersOf(partner);
    const receipt = await agent.get(paths.partner.order(order.id)).expect(200);
    expect(receipt.text).to.include(`<h1>Receipt for order ${order.id}</h1>`);
    expect(receipt.text).to.include('Harbor Dental');
    expect(receipt.text).to.include('€11,519.76');
    expect(receipt.text).to.include('Orders Test IT');
    const css = await agent.get('/css/app.css').expect(200);
    expect(css.text).to.match(/@media print \{[^}]*\.site-header/);

    const other = await createTestPartner('Someone Else IT');
    const otherAgent = await signInPartner(t.app, other);
    await otherAgent.get(paths.partner.order(order.id)).expect(404);
    await agent.get(paths.partner.order('12abc')).expect(404);
    const otherList = await otherAgent.get(paths.partner.orders).expect(200);
    expect(otherList.text).to.include('You have no orders yet.');
  });

  describe('the Orders tab', () => {
    let listPartner: TestPartner;
    let listAgent: supertest.Agent;
    before(async () => {
      listPartner = await createTestPartner('Orders List IT');
      listAgent = await signInPartner(t.app, listPartner);
      // 30 orders, one a day back from today, the oldest first; then two last month and one in 2025.
      for (let i = 0; i < 30; i += 1) {
        const { accountId } = await purchaseFor(listPartner, { customerName: i % 2 ? `Odd Customer ${i}` : `Even Customer ${i}`, administrator: 'partner' });
        const orderId = (await db()('order_lines').where({ customer_account_id: accountId }).first('order_id')).order_id;
        await db()('orders').where({ id: orderId }).update({ placed_at: new Date(Date.now() - (29 - i) * 3_600_000) });
      }
      const { accountId: old } = await purchaseFor(listPartner, { customerName: 'Old Customer', administrator: 'partner' });
      const oldOrder = (await db()('order_lines').where({ customer_account_id: old }).first('order_id')).order_id;
      await db()('orders').where({ id: oldOrder }).update({ placed_at: new Date('2025-03-15T10:00:00Z') });
    });

    it('lists orders newest first, 25 a page, and pages with keyset links both ways', async () => {
      const first = await listAgent.get(paths.partner.orders).expect(200);
      const all = await db()('orders').where({ partner_id: listPartner.partnerId }).orderBy([{ column: 'placed_at', order: 'desc' }, { column: 'id', order: 'desc' }]).pluck('id');
      expect(orderNumbers(first.text)).to.deep.equal(all.slice(0, 25));
      const older = /<a rel="next" href="([^"]+)">Older orders<\/a>/.exec(first.text)![1].replace(/&amp;/g, '&');
      const second = await listAgent.get(older).expect(200);
      expect(orderNumbers(second.text)).to.deep.equal(all.slice(25));
      expect(second.text).not.to.include('Older orders');
      const newer = /<a rel="prev" href="([^"]+)">Newer orders<\/a>/.exec(second.text)![1].replace(/&amp;/g, '&');
      expect(orderNumbers((await listAgent.get(newer).expect(200)).text)).to.deep.equal(all.slice(0, 25));
    });

    it('searches by customer and by a date range, and shows this month’s total', async () => {
      const odd = await listAgent.get(`${paths.partner.orders}?q=odd+customer`).expect(200);
      expect(orderNumbers(odd.text)).to.have.length(15);
      expect(odd.text).not.to.include('Even Customer');
      const in2025 = await listAgent.get(`${paths.partner.orders}?from=2025-01-01&to=2025-12-31`).expect(200);
      expect(in2025.text).to.include('Old Customer');
      expect(orderNumbers(in2025.text)).to.have.length(1);
      const monthStart = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1));
      const total = await db()('orders').where({ partner_id: listPartner.partnerId }).where('placed_at', '>=', monthStart).sum('total_cents as cents').first();
      const expected = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'EUR' }).format(Number(total!.cents) / 100);
      expect(Number(total!.cents)).to.be.greaterThan(0);
      expect(/<strong id="month-total">([^<]+)<\/strong>/.exec(odd.text)![1]).to.equal(expected);
      // A search that finds no order still shows the month's total (read on its own then, not with the page).
      const none = await listAgent.get(`${paths.partner.orders}?q=nobody+by+this+name`).expect(200);
      expect(orderNumbers(none.text)).to.have.length(0);
      expect(/<strong id="month-total">([^<]+)<\/strong>/.exec(none.text)![1]).to.equal(expected);
    });

    it('answers a date that is not one with 422, the message beside the field and the search kept', async () => {
      const res = await listAgent.get(`${paths.partner.orders}?q=Odd&from=2026-02-30&to=2025-01-01`).expect(422);
      expect(res.text).to.match(/<title>Error: Orders/);
      expect(res.text).to.include('From must be a real date, like 2026-12-31');
      expect(res.text).to.include('value="Odd"');
      const reversed = await listAgent.get(`${paths.partner.orders}?from=2026-02-01&to=2026-01-01`).expect(422);
      expect(reversed.text).to.include('To must be the same as or after From');
    });

    it('downloads the search as CSV, one row per line, amounts in the currency’s units', async () => {
      const res = await listAgent.get(`${paths.partner.ordersCsv}?q=odd`).expect(200);
      expect(res.headers['content-type']).to.match(/^text\/csv/);
      const rows = res.text.replace(/^\uFEFF/, '').trim().split('\r\n');
      expect(rows[0]).to.equal('Order,Date,Type,Placed by,Customer,Product,Plan,Computers,Period,Unit price per year,Amount,Order total,Currency');
      expect(rows).to.have.length(16);
      expect(rows[1]).to.include('Odd Customer 29');
      expect(rows[1]).to.include(',71.99,71.99,71.99,USD');
    });
  });
});
