// Bulk purchase by CSV (owner and administrators; lib/auth/roles.ts guards /partner/purchases):
// upload a file, check its preview, Place the ready rows once, then the result and its report.
import type { RequestHandler } from 'express';
import type { RouterDeps } from '../../lib/deps.ts';
import { paths } from '../../lib/paths.ts';
import { renderFailedForm } from '../../lib/forms/failedForm.ts';
import { refusedForm } from '../../lib/forms/result.ts';
import { queryString } from '../../lib/forms/validation.ts';
import { sendCsv } from '../../lib/http/csvDownload.ts';
import { BULK_MAX_BYTES, bulkUploadError } from '../../lib/http/bulkPurchaseUpload.ts';
import { loadCatalog, planName, productName, TERMS_IN_YEARS, type Catalog } from '../../models/catalog.ts';
import { BULK_PREVIEW_HOURS, BulkUploadExpiredError, findBulkUpload, placeBulkUpload, saveBulkUpload, type BulkUpload } from '../../models/bulkPurchases.ts';
import { BULK_COLUMNS, BULK_MAX_ROWS, readBulkPurchaseFile, type BulkRow } from '../../validators/bulkPurchase.ts';

const UPLOAD_VIEW = 'partner/bulkPurchase';
const PAGE_SIZE = 100;

const uploadLocals = (catalog: Catalog) => ({
  title: 'Upload a CSV of purchases',
  activeTab: 'accounts',
  catalog,
  columns: BULK_COLUMNS,
  terms: TERMS_IN_YEARS,
  maxRows: BULK_MAX_ROWS,
  maxMegabytes: BULK_MAX_BYTES / 1024 / 1024,
  previewHours: BULK_PREVIEW_HOURS,
});

export function uploadGet(deps: RouterDeps): RequestHandler {
  return async (_req, res) => {
    res.render(UPLOAD_VIEW, { ...uploadLocals(await loadCatalog(deps.db)), values: {} });
  };
}

const UPLOAD_PROBLEMS: Record<string, string> = {
  LIMIT_FILE_SIZE: `The file must be ${BULK_MAX_BYTES / 1024 / 1024} MB or smaller: upload ${BULK_MAX_ROWS.toLocaleString('en-US')} purchases or fewer at a time`,
};

// The file is read and checked, kept for its preview, and nothing is placed yet.
export function uploadPost(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const catalog = await loadCatalog(deps.db);
    const uploadProblem = bulkUploadError(req);
    if (uploadProblem) {
      const form = refusedForm({}, { file: UPLOAD_PROBLEMS[uploadProblem] ?? 'Choose one CSV file of purchases to upload' });
      return renderFailedForm(res, UPLOAD_VIEW, form, uploadLocals(catalog), uploadProblem === 'LIMIT_FILE_SIZE' ? 413 : 422);
    }
    const checked = readBulkPurchaseFile(req.file, catalog);
    if (!checked.ok) return renderFailedForm(res, UPLOAD_VIEW, checked, uploadLocals(catalog));
    const uploadId = await saveBulkUpload(deps.db, req.user!, checked.value, req.ip);
    res.redirect(303, paths.partner.bulkPurchasePreview(uploadId));
  };
}

// The template: the columns' names, ready for a spreadsheet.
export const template: RequestHandler = async (_req, res) => {
  await sendCsv(
    res,
    'purchases-template.csv',
    BULK_COLUMNS.map((c) => c.header),
    (async function* () {})(),
  );
};

type Show = 'all' | 'problems' | 'ready';

// A page of the upload's rows, all of them or only those with (or without) problems. A ready
// row names its product and plan as the catalog does, whatever case the file wrote them in.
function rowPage(upload: BulkUpload, catalog: Catalog, query: Record<string, unknown>, base: string) {
  const show: Show = (['problems', 'ready'] as const).find((s) => s === queryString(query.show)) ?? 'all';
  const placed = (r: BulkRow) => Boolean(r.purchase);
  const rows = upload.rows
    .map((row, i) => ({
      ...row,
      accountId: upload.accountIds?.[i] ?? null,
      productName: row.purchase ? productName(catalog, row.purchase.productId) : row.values.product,
      planName: row.purchase ? planName(catalog, row.purchase.planId) : row.values.plan,
    }))
    .filter((r) => show === 'all' || (show === 'ready') === placed(r));
  const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
  const requested = Number(queryString(query.page, 10));
  const page = Number.isInteger(requested) && requested >= 1 && requested <= pages ? requested : 1;
  const link = (to: { show?: Show; page?: number }) => {
    const params = new URLSearchParams();
    const s = to.show ?? show;
    if (s !== 'all') params.set('show', s);
    if ((to.page ?? 1) > 1) params.set('page', String(to.page));
    const text = params.toString();
    return text ? `${base}?${text}` : base;
  };
  return {
    show,
    rows: rows.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE),
    page,
    pages,
    shown: rows.length,
    link,
  };
}

export function preview(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const upload = await findBulkUpload(deps.db, req.user!, String(req.params.uploadId));
    if (upload.state === 'placed') return res.redirect(303, paths.partner.bulkPurchaseResult(upload.id));
    res.render('partner/bulkPurchasePreview', {
      title: 'Check the purchases',
      activeTab: 'accounts',
      upload,
      table: rowPage(upload, await loadCatalog(deps.db), req.query, paths.partner.bulkPurchasePreview(upload.id)),
      registrationLinkDays: deps.config.registrationLinkDays,
    });
  };
}

// Place N purchases. The upload's state makes every repeat of this POST (a double click, a
// refresh, a second tab) land on the one result it placed.
export function place(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const uploadId = String(req.params.uploadId);
    try {
      const placed = await placeBulkUpload(deps.db, req.user!, uploadId, { address: req.ip, config: deps.config });
      const upload = await findBulkUpload(deps.db, req.user!, uploadId);
      req.session.flash = placed.created
        ? { kind: 'success', text: `${upload.readyCount.toLocaleString('en-US')} ${upload.readyCount === 1 ? 'purchase' : 'purchases'} placed.` }
        : { kind: 'info', text: 'These purchases were already placed. Here is the result.' };
      res.redirect(303, paths.partner.bulkPurchaseResult(uploadId));
    } catch (error) {
      if (!(error instanceof BulkUploadExpiredError)) throw error;
      req.session.flash = { kind: 'info', text: `That preview has expired (a preview can be placed for ${BULK_PREVIEW_HOURS} hours): upload the file again.` };
      res.redirect(303, paths.partner.bulkPurchase);
    }
  };
}

export function result(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const upload = await findBulkUpload(deps.db, req.user!, String(req.params.uploadId));
    if (upload.state !== 'placed') return res.redirect(303, paths.partner.bulkPurchasePreview(upload.id));
    res.render('partner/bulkPurchaseResult', {
      title: 'Purchases placed',
      activeTab: 'accounts',
      upload,
      table: rowPage(upload, await loadCatalog(deps.db), req.query, paths.partner.bulkPurchaseResult(upload.id)),
    });
  };
}

const REPORT_HEADER = ['Row', ...BULK_COLUMNS.map((c) => c.header), 'Result', 'Price', 'Account', 'Why it was skipped'];

// Every row of the file with what became of it: its account's address, or why it was skipped.
export function report(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const upload = await findBulkUpload(deps.db, req.user!, String(req.params.uploadId));
    if (upload.state !== 'placed') return res.redirect(303, paths.partner.bulkPurchasePreview(upload.id));
    const money = (cents: number) => (cents / 100).toFixed(2);
    const rows = upload.rows.map((row, i) => {
      const accountId = upload.accountIds?.[i];
      return [
        row.row,
        ...BULK_COLUMNS.map((c) => row.values[c.field]),
        accountId ? 'Placed' : 'Skipped',
        accountId ? money(row.totalCents!) : '',
        accountId ? `${deps.config.appUrl}${paths.partner.account(accountId)}` : '',
        row.problems.map((p) => `${p.column}: ${p.message}`).join('; '),
      ];
    });
    const name = upload.fileName.replace(/\.(csv|txt)$/i, '').replace(/[^\w.-]+/g, '-').slice(0, 80) || 'purchases';
    await sendCsv(
      res,
      `${name}-report.csv`,
      REPORT_HEADER,
      (async function* () {
        yield* rows;
      })(),
    );
  };
}
