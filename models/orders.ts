// Orders: every purchase, renewal, upgrade, added computers and trial conversion. An order is
// placed in the caller's transaction with its lines (prices copied from the catalog, never
// recomputed) and its confirmation email; its order key makes a repeat find the first one.
import type { Knex } from 'knex';
import type { Config } from '../lib/boot/config.ts';
import { NotFoundError } from '../lib/http/errors.ts';
import { paths } from '../lib/paths.ts';
import * as format from '../lib/views/format.ts';
import { enqueueEmail } from './outbox.ts';

export type OrderKind = 'purchase' | 'renewal' | 'auto_renewal' | 'upgrade' | 'computers_added' | 'trial_conversion';

export const ORDER_KIND_LABELS: Record<OrderKind, string> = {
  purchase: 'Purchase',
  renewal: 'Renewal',
  auto_renewal: 'Automatic renewal',
  upgrade: 'Upgrade',
  computers_added: 'Added computers',
  trial_conversion: 'Trial upgraded to paid',
};

// What an order needs from the configuration: its currency, and the receipt's address for the email.
export type OrderConfig = Pick<Config, 'currency' | 'appUrl'>;

export interface OrderLineInput {
  customerAccountId: number;
  customerName: string;
  productId: string;
  productName: string;
  planId: string;
  planName: string;
  computers: number;
  // A whole term, or a number of days (prorated).
  termYears?: number;
  days?: number;
  startsOn: string;
  endsOn: string;
  unitPriceCents: number;
  amountCents: number;
}

export interface OrderInput {
  partnerId: number;
  kind: OrderKind;
  orderKey: string;
  // A partner user, or nobody (an automatic renewal): then the confirmation goes to the
  // partner's owners and administrators.
  placedBy: { userId: number; name: string; email: string } | { system: string };
  lines: OrderLineInput[];
}

export interface PlacedOrder {
  orderId: number;
  // false when this order key had already placed the order.
  created: boolean;
}

export class OrderKeyTakenError extends Error {}

// A confirmation email lists at most this many lines, then counts the rest and links to the
// receipt: a bulk purchase's 5,000 lines made a 5,000-line email and a multi-megabyte outbox row.
export const CONFIRMATION_LINE_LIMIT = 50;

// Places the order once per key, in the caller's transaction, and queues its confirmation.
export async function placeOrder(trx: Knex.Transaction, input: OrderInput, config: OrderConfig): Promise<PlacedOrder> {
  const totalCents = input.lines.reduce((sum, line) => sum + line.amountCents, 0);
  const placedBy = 'system' in input.placedBy ? { id: null, name: input.placedBy.system } : { id: input.placedBy.userId, name: input.placedBy.name };
  const inserted = await trx('orders')
    .insert({
      partner_id: input.partnerId,
      kind: input.kind,
      order_key: input.orderKey,
      placed_by_user_id: placedBy.id,
      placed_by_name: placedBy.name,
      currency: config.currency,
      total_cents: totalCents,
    })
    .onConflict('order_key')
    .ignore()
    .returning(['id', 'placed_at']);
  if (inserted.length === 0) {
    const existing = await trx('orders').where({ order_key: input.orderKey }).first('id', 'partner_id');
    if (!existing || Number(existing.partner_id) !== input.partnerId) throw new OrderKeyTakenError('This order key belongs to someone else');
    return { orderId: Number(existing.id), created: false };
  }
  const orderId = Number(inserted[0].id);
  // A thousand lines a statement: a bulk purchase's 5,000 would pass PostgreSQL's 65,535 parameters.
  for (let start = 0; start < input.lines.length; start += 1000) {
    await trx('order_lines').insert(
      input.lines.slice(start, start + 1000).map((line) => ({
        order_id: orderId,
        customer_account_id: line.customerAccountId,
        customer_name: line.customerName,
        product_id: line.productId,
        product_name: line.productName,
        plan_id: line.planId,
        plan_name: line.planName,
        computers: line.computers,
        term_years: line.termYears ?? null,
        days: line.days ?? null,
        starts_on: line.startsOn,
        ends_on: line.endsOn,
        unit_price_cents: line.unitPriceCents,
        amount_cents: line.amountCents,
      })),
    );
  }

  const partner = await trx('partners').where({ id: input.partnerId }).first('name');
  const recipients =
    'system' in input.placedBy
      ? await trx('partner_users').where({ partner_id: input.partnerId, email_order_confirmations: true }).whereIn('role', ['owner', 'admin']).orderBy('id').select('id', 'email')
      : await trx('partner_users').where({ id: input.placedBy.userId, partner_id: input.partnerId, email_order_confirmations: true }).select('id', 'email');
  const money = (cents: number) => format.money(cents, config.currency);
  // The same email to each recipient: built once.
  const data = {
    orderNumber: orderId,
    kindLabel: ORDER_KIND_LABELS[input.kind],
    placedAt: new Date(inserted[0].placed_at).toISOString(),
    placedByName: placedBy.name,
    partnerName: partner.name,
    lines: input.lines.slice(0, CONFIRMATION_LINE_LIMIT).map((line) => ({
      customerName: line.customerName,
      productName: line.productName,
      planName: line.planName,
      computers: line.computers,
      period: periodText(line),
      unitPrice: money(line.unitPriceCents),
      amount: money(line.amountCents),
    })),
    moreLines: Math.max(0, input.lines.length - CONFIRMATION_LINE_LIMIT),
    total: money(totalCents),
    receiptUrl: `${config.appUrl}${paths.partner.order(orderId)}`,
  };
  for (const recipient of recipients) {
    await enqueueEmail(trx, {
      to: recipient.email,
      template: 'order-confirmation',
      idempotencyKey: `order-confirmation:${orderId}:${recipient.id}`,
      // The partner's mail, not the customer's: an account's emails are those sent to its customer.
      partnerId: input.partnerId,
      data,
    });
  }
  return { orderId, created: true };
}

// "2 years, 4 December 2026 to 3 December 2028", or "120 days, … to …".
export function periodText(line: { termYears?: number | null; days?: number | null; startsOn: string; endsOn: string }): string {
  const length = line.termYears ? format.count(line.termYears, 'year') : format.count(line.days ?? 0, 'day');
  return `${length}, ${format.date(line.startsOn)} to ${format.date(line.endsOn)}`;
}

export interface OrderLine {
  customerAccountId: number | null;
  customerName: string;
  productName: string;
  planName: string;
  computers: number;
  termYears: number | null;
  days: number | null;
  startsOn: string;
  endsOn: string;
  unitPriceCents: number;
  amountCents: number;
}

export interface Order {
  id: number;
  kind: OrderKind;
  placedAt: Date;
  placedByName: string;
  currency: string;
  totalCents: number;
  lines: OrderLine[];
}

const toLine = (l: Record<string, any>): OrderLine => ({
  customerAccountId: l.customer_account_id === null ? null : Number(l.customer_account_id),
  customerName: l.customer_name,
  productName: l.product_name,
  planName: l.plan_name,
  computers: l.computers,
  termYears: l.term_years,
  days: l.days,
  startsOn: l.starts_on,
  endsOn: l.ends_on,
  unitPriceCents: l.unit_price_cents,
  amountCents: Number(l.amount_cents),
});

const toOrder = (o: Record<string, any>, lines: OrderLine[]): Order => ({
  id: Number(o.id),
  kind: o.kind,
  placedAt: o.placed_at,
  placedByName: o.placed_by_name,
  currency: o.currency,
  totalCents: Number(o.total_cents),
  lines,
});

// An order's columns, its lines among them as one JSON column of its row, in the order they
// were placed: a page of orders is one statement, not the orders and then their lines.
const orderColumns = (db: Knex) => [
  'o.id',
  'o.kind',
  'o.placed_at',
  'o.placed_by_name',
  'o.currency',
  'o.total_cents',
  db.raw(`(SELECT coalesce(json_agg(l ORDER BY l.id), '[]'::json) FROM order_lines l WHERE l.order_id = o.id) AS lines`),
];

const withLines = (o: Record<string, any>): Order => toOrder(o, (o.lines as Record<string, any>[]).map(toLine));

// One of the partner's orders with its lines; another partner's, or none, is a 404.
export async function findOrderForPartner(db: Knex, partnerId: number, orderId: number): Promise<Order> {
  const order = await db('orders as o').where({ 'o.id': orderId, 'o.partner_id': partnerId }).first(orderColumns(db));
  if (!order) throw new NotFoundError();
  return withLines(order);
}

export interface OrderFilters {
  search: string; // part of a customer's name
  from: string | undefined; // YYYY-MM-DD, a UTC day, inclusive
  to: string | undefined;
}

export interface OrderPage {
  rows: Order[];
  // Ids to page from: `before` gives older orders, `after` newer ones; undefined where there is none.
  older: number | undefined;
  newer: number | undefined;
  // The total of the month asked for (request.monthOf), read with the page; undefined when
  // not asked or the page is empty.
  monthTotalCents: number | undefined;
}

const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

function filteredOrders(db: Knex, partnerId: number, filters: OrderFilters): Knex.QueryBuilder {
  const query = db('orders as o').where('o.partner_id', partnerId);
  if (filters.from) query.where('o.placed_at', '>=', `${filters.from}T00:00:00Z`);
  if (filters.to) query.where('o.placed_at', '<', `${nextDay(filters.to)}T00:00:00Z`);
  if (filters.search) {
    const pattern = `%${filters.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query.whereExists(db('order_lines as l').whereRaw('l.order_id = o.id').whereRaw('lower(l.customer_name) LIKE ?', [pattern]));
  }
  return query;
}

// The cursor row's place in the order (placed_at, id), read through the partner's own rows only.
const cursorRow = (db: Knex, partnerId: number, id: number) => db.raw('(SELECT placed_at, id FROM orders WHERE id = ? AND partner_id = ?)', [id, partnerId]);

// Newest first, a page at a time: keyset pagination on (placed_at, id).
export async function listOrders(
  db: Knex,
  partnerId: number,
  filters: OrderFilters,
  request: { size: number; before?: number; after?: number; monthOf?: Date },
): Promise<OrderPage> {
  const backwards = request.after !== undefined && request.before === undefined;
  const query = filteredOrders(db, partnerId, filters).select(orderColumns(db)).limit(request.size + 1);
  if (request.monthOf) {
    // Computed once for the statement (it does not depend on the row): no round trip of its own.
    query.select(monthTotalQuery(db, partnerId, request.monthOf).as('month_total_cents'));
  }
  if (request.before !== undefined) query.whereRaw('(o.placed_at, o.id) < ?', [cursorRow(db, partnerId, request.before)]);
  else if (backwards) query.whereRaw('(o.placed_at, o.id) > ?', [cursorRow(db, partnerId, request.after!)]);
  query.orderBy([
    { column: 'o.placed_at', order: backwards ? 'asc' : 'desc' },
    { column: 'o.id', order: backwards ? 'asc' : 'desc' },
  ]);
  const found: Record<string, any>[] = await query;
  const more = found.length > request.size;
  const rows = found.slice(0, request.size);
  if (backwards) rows.reverse();
  const orders = rows.map(withLines);
  const first = orders[0]?.id;
  const last = orders.at(-1)?.id;
  return {
    rows: orders,
    older: backwards ? last : more ? last : undefined,
    newer: backwards ? (more ? first : undefined) : request.before !== undefined ? first : undefined,
    monthTotalCents: found[0]?.month_total_cents === undefined ? undefined : Number(found[0].month_total_cents),
  };
}

// Every order the filters show, newest first, a batch at a time (the CSV).
export async function* eachOrderBatch(db: Knex, partnerId: number, filters: OrderFilters, size: number): AsyncGenerator<Order[]> {
  let before: number | undefined;
  for (;;) {
    const page = await listOrders(db, partnerId, filters, { size, before });
    if (page.rows.length === 0) return;
    yield page.rows;
    if (page.older === undefined) return;
    before = page.older;
  }
}

// The total of the orders placed in the calendar month (UTC) of an instant, as one value.
function monthTotalQuery(db: Knex, partnerId: number, now: Date): Knex.QueryBuilder {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return db('orders').where('partner_id', partnerId).where('placed_at', '>=', start).where('placed_at', '<', end).select(db.raw('COALESCE(SUM(total_cents), 0)::bigint'));
}

// The total of the orders placed this calendar month (UTC): the vendor bills partners monthly.
export async function monthTotalCents(db: Knex, partnerId: number, now = new Date()): Promise<number> {
  const row = await db.select(monthTotalQuery(db, partnerId, now).as('total')).first();
  return Number(row.total);
}

// The orders of one of the partner's accounts, newest first (its Dashboard).
export async function ordersForAccount(db: Knex, partnerId: number, accountId: number, limit = 20): Promise<Order[]> {
  const rows: Record<string, any>[] = await db('orders as o')
    .where('o.partner_id', partnerId)
    .whereExists(db('order_lines as l').whereRaw('l.order_id = o.id').where('l.customer_account_id', accountId))
    .orderBy([
      { column: 'o.placed_at', order: 'desc' },
      { column: 'o.id', order: 'desc' },
    ])
    .limit(limit)
    .select(orderColumns(db));
  return rows.map(withLines);
}
