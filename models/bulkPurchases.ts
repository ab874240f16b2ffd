// Bulk purchase by CSV: the checked upload kept for its preview, and Place, which buys every
// ready row once, as one order, in one transaction of multi-row statements.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { SessionUser } from '../lib/auth/passport.ts';
import { newKeyCode } from '../lib/codes.ts';
import { NotFoundError } from '../lib/http/errors.ts';
import type { BulkRow, CheckedFile } from '../validators/bulkPurchase.ts';
import { loadCatalog, TERMS_IN_YEARS } from './catalog.ts';
import { recordAudit, recordAudits } from './audit.ts';
import { issueInvitations, registrationLinkExpiry, type InvitationConfig } from './registrationInvitations.ts';
import { placeOrder, type OrderConfig } from './orders.ts';
import { subscriptionTerm } from './purchases.ts';

// How long a preview can be placed: long enough for a coffee or a colleague's look, short
// enough that prices and the catalog it was checked against are today's.
export const BULK_PREVIEW_HOURS = 24;

// Rows per multi-row insert: well under PostgreSQL's 65,535 parameters a statement.
const BATCH = 1000;

export interface BulkUpload {
  id: string;
  fileName: string;
  state: 'previewed' | 'placed';
  rows: BulkRow[];
  readyCount: number;
  problemCount: number;
  readyTotalCents: number;
  expiresAt: Date;
  expired: boolean;
  createdAt: Date;
  placedAt: Date | null;
  orderId: number | null;
  // Placed: each row's account, in row order; null where the row was skipped.
  accountIds: (number | null)[] | null;
}

export class BulkUploadExpiredError extends Error {}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// Keeps the checked file for its preview and records the upload; answers its id. The
// partner's previews that expired unplaced are deleted on the way.
export async function saveBulkUpload(db: Knex, user: SessionUser, file: CheckedFile, address?: string): Promise<string> {
  const id = crypto.randomUUID();
  const ready = file.rows.filter((r) => r.purchase);
  const readyTotalCents = ready.reduce((sum, r) => sum + r.totalCents!, 0);
  await db.transaction(async (trx) => {
    await trx('bulk_uploads').where({ partner_id: user.partnerId, state: 'previewed' }).where('expires_at', '<', trx.fn.now()).delete();
    await trx('bulk_uploads').insert({
      id,
      partner_id: user.partnerId,
      partner_user_id: user.id,
      file_name: file.fileName,
      rows: JSON.stringify(file.rows),
      ready_count: ready.length,
      problem_count: file.rows.length - ready.length,
      ready_total_cents: readyTotalCents,
      expires_at: trx.raw(`now() + make_interval(hours => ?)`, [BULK_PREVIEW_HOURS]),
    });
    await recordAudit(trx, { type: 'user', user }, {
      partnerId: user.partnerId,
      action: 'bulk_purchase.uploaded',
      address,
      details: { fileName: file.fileName, rows: file.rows.length, ready: ready.length, problems: file.rows.length - ready.length },
    });
  });
  return id;
}

const toUpload = (r: Record<string, any>): BulkUpload => ({
  id: r.id,
  fileName: r.file_name,
  state: r.state,
  rows: r.rows,
  readyCount: r.ready_count,
  problemCount: r.problem_count,
  readyTotalCents: Number(r.ready_total_cents),
  expiresAt: r.expires_at,
  expired: r.state === 'previewed' && r.expires_at.getTime() <= Date.now(),
  createdAt: r.created_at,
  placedAt: r.placed_at,
  orderId: r.order_id === null ? null : Number(r.order_id),
  accountIds: r.account_ids,
});

// One upload, only for the partner user who made it: anyone else's (another partner's above
// all) is a 404, as is an id that is no id of ours.
export async function findBulkUpload(db: Knex | Knex.Transaction, user: SessionUser, uploadId: string, lock = false): Promise<BulkUpload> {
  if (!UUID.test(uploadId)) throw new NotFoundError();
  const query = db('bulk_uploads').where({ id: uploadId, partner_id: user.partnerId, partner_user_id: user.id }).first('*');
  const row = await (lock ? query.forUpdate() : query);
  if (!row) throw new NotFoundError();
  return toUpload(row);
}

export interface PlacedBulkPurchase {
  orderId: number;
  // false when this upload had already been placed (a repeat, a refresh, a second tab).
  created: boolean;
}

// Places every ready row of the upload once: its customer accounts, their subscriptions with
// fresh key codes, one order with a line per account (and its confirmation email), an Activity
// entry per account and one for the whole, and the registration emails of customer-managed
// rows. The upload's row is locked first and moves from previewed to placed in the same
// transaction, so concurrent Place submits wait for the first and then find it placed.
export async function placeBulkUpload(
  db: Knex,
  buyer: SessionUser,
  uploadId: string,
  context: { address?: string; config: InvitationConfig & OrderConfig },
): Promise<PlacedBulkPurchase> {
  const catalog = await loadCatalog(db);
  return db.transaction(async (trx) => {
    const upload = await findBulkUpload(trx, buyer, uploadId, true);
    if (upload.state === 'placed') return { orderId: upload.orderId!, created: false };
    if (upload.expired) throw new BulkUploadExpiredError('This preview has expired');

    const ready = upload.rows.filter((r) => r.purchase);
    const terms = new Map(TERMS_IN_YEARS.map((years) => [years as number, subscriptionTerm(years)]));
    const linkExpiresAt = registrationLinkExpiry(context.config);
    const rowsWithIds: { row: BulkRow; accountId: number }[] = [];
    for (let start = 0; start < ready.length; start += BATCH) {
      const batch = ready.slice(start, start + BATCH).map((row) => ({ row, purchaseKey: crypto.randomUUID() }));
      const inserted: { id: string; purchase_key: string }[] = await trx('customer_accounts')
        .insert(
          batch.map(({ row, purchaseKey }) => ({
            partner_id: buyer.partnerId,
            name: row.purchase!.customerName,
            email: row.purchase!.customerEmail,
            administrator: row.purchase!.administrator,
            status: row.purchase!.administrator === 'partner' ? 'active' : 'pending_registration',
            purchase_key: purchaseKey,
            // What the triggers copy from the subscription and the registration link, written
            // here already: their copies then change nothing, and the partner's accounts_version
            // is not written again for each row (see migration 20261215001100).
            product_id: row.purchase!.productId,
            ends_on: terms.get(row.purchase!.termYears)!.endsOn,
            auto_renew: false,
            trial: false,
            registration_link_expires_at: row.purchase!.administrator === 'customer' ? linkExpiresAt : null,
          })),
        )
        .returning(['id', 'purchase_key']);
      const idByKey = new Map(inserted.map((r) => [r.purchase_key, Number(r.id)]));
      for (const { row, purchaseKey } of batch) rowsWithIds.push({ row, accountId: idByKey.get(purchaseKey)! });
    }

    const subscriptions = rowsWithIds.map(({ row, accountId }) => {
      const purchase = row.purchase!;
      const plan = catalog.plans.find((p) => p.id === purchase.planId && p.productId === purchase.productId);
      if (!plan) throw new Error(`Plan ${purchase.planId} left the catalog`);
      return {
        customer_account_id: accountId,
        partner_id: buyer.partnerId,
        product_id: purchase.productId,
        plan_id: plan.id,
        computers_allowed: purchase.computers,
        term_years: purchase.termYears,
        starts_on: terms.get(purchase.termYears)!.startsOn,
        ends_on: terms.get(purchase.termYears)!.endsOn,
        yearly_price_cents: plan.yearlyPriceCents,
        total_price_cents: row.totalCents!,
      };
    });
    await insertWithKeyCodes(trx, subscriptions);

    const order = await placeOrder(
      trx,
      {
        partnerId: buyer.partnerId,
        kind: 'purchase',
        orderKey: `bulk-purchase:${upload.id}`,
        placedBy: { userId: buyer.id, name: buyer.name, email: buyer.email },
        lines: rowsWithIds.map(({ row, accountId }, i) => ({
          customerAccountId: accountId,
          customerName: row.purchase!.customerName,
          productId: row.purchase!.productId,
          productName: catalog.products.find((p) => p.id === row.purchase!.productId)!.name,
          planId: row.purchase!.planId,
          planName: catalog.plans.find((p) => p.id === row.purchase!.planId)!.name,
          computers: row.purchase!.computers,
          termYears: row.purchase!.termYears,
          startsOn: subscriptions[i].starts_on,
          endsOn: subscriptions[i].ends_on,
          unitPriceCents: subscriptions[i].yearly_price_cents,
          amountCents: subscriptions[i].total_price_cents,
        })),
      },
      context.config,
    );

    // Each account's Activity says how it was bought, as a single purchase's does.
    await recordAudits(
      trx,
      { type: 'user', user: buyer },
      rowsWithIds.map(({ row, accountId }) => ({
        partnerId: buyer.partnerId,
        customerAccountId: accountId,
        action: 'purchase.completed',
        address: context.address,
        details: {
          customerName: row.purchase!.customerName,
          product: catalog.products.find((p) => p.id === row.purchase!.productId)!.name,
          plan: catalog.plans.find((p) => p.id === row.purchase!.planId)!.name,
          computers: row.purchase!.computers,
          termYears: row.purchase!.termYears,
          administrator: row.purchase!.administrator,
          orderNumber: order.orderId,
          bulkFile: upload.fileName,
        },
      })),
    );
    await recordAudit(trx, { type: 'user', user: buyer }, {
      partnerId: buyer.partnerId,
      action: 'bulk_purchase.placed',
      address: context.address,
      details: { fileName: upload.fileName, placed: rowsWithIds.length, skipped: upload.problemCount, orderNumber: order.orderId },
    });
    await issueInvitations(
      trx,
      rowsWithIds.filter(({ row }) => row.purchase!.administrator === 'customer').map(({ accountId }) => accountId),
      context.config,
      linkExpiresAt,
    );

    const accountByRow = new Map(rowsWithIds.map(({ row, accountId }) => [row.row, accountId]));
    await trx('bulk_uploads')
      .where({ id: upload.id })
      .update({
        state: 'placed',
        placed_at: trx.fn.now(),
        order_id: order.orderId,
        account_ids: JSON.stringify(upload.rows.map((r) => accountByRow.get(r.row) ?? null)),
      });
    return { orderId: order.orderId, created: true };
  });
}

// Key codes are random over 2^74: a clash is near impossible, but the unique index decides;
// the rows a clash left out draw again.
async function insertWithKeyCodes(trx: Knex.Transaction, subscriptions: Record<string, unknown>[]): Promise<void> {
  let waiting = subscriptions;
  for (let attempt = 0; waiting.length > 0; attempt += 1) {
    if (attempt > 5) throw new Error('Could not draw unique key codes');
    const placed = new Set<number>();
    for (let start = 0; start < waiting.length; start += BATCH) {
      const rows: { customer_account_id: string }[] = await trx('subscriptions')
        .insert(waiting.slice(start, start + BATCH).map((s) => ({ ...s, key_code: newKeyCode() })))
        .onConflict('key_code')
        .ignore()
        .returning('customer_account_id');
      for (const r of rows) placed.add(Number(r.customer_account_id));
    }
    waiting = waiting.filter((s) => !placed.has(s.customer_account_id as number));
  }
}
