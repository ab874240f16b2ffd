import type { RequestHandler } from 'express';
import { paths } from '../../lib/paths.ts';
import { sendCsv } from '../../lib/http/csvDownload.ts';
import { idFrom } from '../../lib/forms/validation.ts';
import { renderFailedForm } from '../../lib/forms/failedForm.ts';
import type { RouterDeps } from '../../lib/deps.ts';
import * as format from '../../lib/views/format.ts';
import { NotFoundError } from '../../lib/http/errors.ts';
import {
  eachOrderBatch,
  findOrderForPartner,
  listOrders,
  monthTotalCents,
  ORDER_KIND_LABELS,
  periodText,
  type Order,
  type OrderFilters,
} from '../../models/orders.ts';
import { orderSearchValues, readOrderSearch } from '../../validators/orders.ts';

const PAGE_SIZE = 25;
const NO_FILTERS: OrderFilters = { search: '', from: undefined, to: undefined };

// The Orders tab (or its CSV) with these filters and, for a page, a cursor.
function ordersUrl(base: string, filters: OrderFilters, cursor: { before?: number; after?: number } = {}): string {
  const query = new URLSearchParams();
  if (filters.search) query.set('q', filters.search);
  if (filters.from) query.set('from', filters.from);
  if (filters.to) query.set('to', filters.to);
  if (cursor.before !== undefined) query.set('before', String(cursor.before));
  if (cursor.after !== undefined) query.set('after', String(cursor.after));
  const text = query.toString();
  return text ? `${base}?${text}` : base;
}

// The Orders tab: newest first, searched by customer and a date range, with this month's
// total (the vendor bills partners on account, monthly).
export function index(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const partnerId = req.user!.partnerId;
    const search = readOrderSearch(req.query);
    const filters = search.ok ? search.value : NO_FILTERS;
    const now = new Date();
    const page = await listOrders(deps.db, partnerId, filters, { size: PAGE_SIZE, before: idFrom(req.query.before), after: idFrom(req.query.after), monthOf: now });
    const locals = {
      title: 'Orders',
      activeTab: 'orders',
      page,
      filtered: Boolean(filters.search || filters.from || filters.to),
      monthTotalCents: page.monthTotalCents ?? (await monthTotalCents(deps.db, partnerId, now)),
      monthName: format.month(now),
      kindLabels: ORDER_KIND_LABELS,
      newerLink: page.newer !== undefined ? ordersUrl(paths.partner.orders, filters, { after: page.newer }) : undefined,
      olderLink: page.older !== undefined ? ordersUrl(paths.partner.orders, filters, { before: page.older }) : undefined,
      newestLink: page.newer !== undefined ? ordersUrl(paths.partner.orders, filters) : undefined,
      csvLink: ordersUrl(paths.partner.ordersCsv, filters),
    };
    if (!search.ok) return renderFailedForm(res, 'partner/orders', search, locals);
    res.render('partner/orders', { ...locals, values: orderSearchValues(filters) });
  };
}

const CSV_HEADER = ['Order', 'Date', 'Type', 'Placed by', 'Customer', 'Product', 'Plan', 'Computers', 'Period', 'Unit price per year', 'Amount', 'Order total', 'Currency'];
const decimal = (cents: number) => (cents / 100).toFixed(2);

// One row per order line: a spreadsheet sums the Amount column to the bill.
function* csvRows(orders: Order[]) {
  for (const order of orders) {
    for (const line of order.lines) {
      yield [
        order.id,
        order.placedAt.toISOString().slice(0, 10),
        ORDER_KIND_LABELS[order.kind],
        order.placedByName,
        line.customerName,
        line.productName,
        line.planName,
        line.computers,
        periodText(line),
        decimal(line.unitPriceCents),
        decimal(line.amountCents),
        decimal(order.totalCents),
        order.currency,
      ];
    }
  }
}

async function* allCsvRows(batches: AsyncGenerator<Order[]>) {
  for await (const batch of batches) yield* csvRows(batch);
}

// Every order the search shows, newest first, streamed a batch at a time.
export function csv(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const search = readOrderSearch(req.query);
    // The page that offered this link showed the problem; the file is never a half-filtered one.
    if (!search.ok) return res.redirect(303, ordersUrl(paths.partner.orders, NO_FILTERS));
    const batches = eachOrderBatch(deps.db, req.user!.partnerId, search.value, 500);
    const first = await batches.next();
    async function* rows() {
      if (first.done) return;
      yield* csvRows(first.value);
      yield* allCsvRows(batches);
    }
    await sendCsv(res, `orders-${new Date().toISOString().slice(0, 10)}.csv`, CSV_HEADER, rows());
  };
}

// The Receipt: one order, printable.
export function show(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const orderId = idFrom(req.params.orderId);
    if (orderId === undefined) throw new NotFoundError();
    const order = await findOrderForPartner(deps.db, req.user!.partnerId, orderId);
    res.render('partner/order', {
      title: `Receipt for order ${order.id}`,
      activeTab: 'orders',
      order,
      kindLabel: ORDER_KIND_LABELS[order.kind],
      periods: order.lines.map((line) => periodText(line)),
      partnerName: req.user!.partnerName ?? '',
      money: (cents: number) => format.money(cents, order.currency),
    });
  };
}
