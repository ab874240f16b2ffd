// Bulk purchase by CSV: the uploaded file, read with csv-parse, and each of its rows checked
// by the New purchase form's own validator (readPurchase), after the catalog's names are
// turned into the form's choices. A file that cannot be a list of purchases is refused whole
// (with one message at the file field); a row with problems is only skipped.
import { parse, CsvError } from 'csv-parse/sync';
import { refusedForm, type FailedForm } from '../lib/forms/result.ts';
import { textField } from '../lib/forms/validation.ts';
import { totalPriceCents, TERMS_IN_YEARS, type Catalog } from '../models/catalog.ts';
import { readPurchase, type PurchaseDraft, type PurchaseFormValues } from './purchase.ts';

export const BULK_MAX_ROWS = 5000;

// The file's columns, in the template's order, as the New purchase form names its fields.
export const BULK_COLUMNS: { field: keyof PurchaseFormValues; header: string }[] = [
  { field: 'customerName', header: 'Customer name' },
  { field: 'customerEmail', header: 'Customer email' },
  { field: 'product', header: 'Product' },
  { field: 'plan', header: 'Plan' },
  { field: 'computers', header: 'Computers' },
  { field: 'term', header: 'Term' },
  { field: 'administrator', header: 'Administrator' },
];

// A header is matched without regard to case, spaces, dashes or underscores; the form's
// longer labels are taken too.
const headerKey = (header: string) => header.toLowerCase().replace(/[\s_-]+/g, '');
const HEADER_ALIASES: Record<string, keyof PurchaseFormValues> = {
  ...Object.fromEntries(BULK_COLUMNS.map((c) => [headerKey(c.header), c.field])),
  customeremailaddress: 'customerEmail',
  numberofcomputers: 'computers',
  accountadministrator: 'administrator',
};

export interface RowProblem {
  column: string; // the column's header, as the template names it
  message: string;
}

// One row of the file: the values as typed (shown on the preview and in the report) and,
// when it has no problem, the purchase it makes and its price.
export interface BulkRow {
  row: number; // the spreadsheet's row number: the header is row 1
  values: PurchaseFormValues;
  purchase?: PurchaseDraft;
  totalCents?: number;
  problems: RowProblem[];
}

export interface UploadedFile {
  originalname: string;
  buffer: Buffer;
}

export interface CheckedFile {
  fileName: string;
  rows: BulkRow[];
}

const refuse = (message: string): FailedForm => refusedForm({}, { file: message });
const count = (n: number) => n.toLocaleString('en-US');

// What a spreadsheet or another program saved that is no text file: NUL bytes (UTF-16,
// images, executables), or the start of a zip (an .xlsx), a PDF or an old Excel file.
const BINARY_STARTS = [Buffer.from('PK\u0003\u0004', 'latin1'), Buffer.from('%PDF'), Buffer.from([0xd0, 0xcf, 0x11, 0xe0])];
const isBinary = (bytes: Buffer) => bytes.includes(0) || BINARY_STARTS.some((start) => bytes.subarray(0, start.length).equals(start));

const NOT_CSV = 'The selected file must be a CSV file: in your spreadsheet, choose Save As, then CSV UTF-8 (comma delimited)';

// Excel writes ; between cells where the decimal separator is a comma: the header line says
// which one the file uses (our column names hold neither).
function separatorOf(text: string): ',' | ';' {
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const count = (c: string) => firstLine.split(c).length - 1;
  return count(';') > count(',') ? ';' : ',';
}

// Blank lines and the empty rows spreadsheets leave at the end (";;;;;;") are no purchases.
const isBlank = (cells: string[]) => cells.every((cell) => cell.trim() === '');

export function readBulkPurchaseFile(file: UploadedFile | undefined, catalog: Catalog): { ok: true; value: CheckedFile } | FailedForm {
  // A browser sends an empty part without a name when no file was chosen.
  if (!file || (file.buffer.length === 0 && file.originalname === '')) return refuse('Choose a CSV file of purchases to upload');
  const fileName = file.originalname.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 200) || 'purchases.csv';
  if (!/\.(csv|txt)$/i.test(fileName) || isBinary(file.buffer)) return refuse(NOT_CSV);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(file.buffer);
  } catch {
    return refuse('The file is not saved as UTF-8: in your spreadsheet, choose Save As, then CSV UTF-8 (comma delimited)');
  }
  text = text.replace(/^\ufeff/, '');
  if (text.trim() === '') return refuse('The selected file is empty');

  let records: { record: string[]; info: { lines: number } }[];
  try {
    // The whole file (2 MB at most), so a purchase after a blank row is counted, never dropped.
    records = parse(text, { delimiter: separatorOf(text), relax_column_count: true, info: true, skip_empty_lines: true }) as unknown as typeof records;
  } catch (error) {
    if (error instanceof CsvError) return refuse(`The file could not be read as CSV: ${csvProblem(error)}`);
    throw error;
  }
  const [header, ...rest] = records;
  const body = rest.filter((r) => !isBlank(r.record));

  const columns = header.record.map((h) => HEADER_ALIASES[headerKey(h)]);
  const unknown = header.record.filter((h, i) => columns[i] === undefined && h.trim() !== '');
  const missing = BULK_COLUMNS.filter((c) => !columns.includes(c.field)).map((c) => c.header);
  const twice = BULK_COLUMNS.filter((c) => columns.filter((f) => f === c.field).length > 1).map((c) => c.header);
  if (missing.length || unknown.length || twice.length) {
    const parts = [
      missing.length ? `it is missing the ${list(missing)} ${missing.length === 1 ? 'column' : 'columns'}` : '',
      unknown.length ? `it has ${unknown.length === 1 ? 'a column' : 'columns'} we do not know: ${list(unknown.map((u) => `“${u.trim().slice(0, 40)}”`))}` : '',
      twice.length ? `it has the ${list(twice)} ${twice.length === 1 ? 'column' : 'columns'} twice` : '',
    ].filter(Boolean);
    return refuse(`The file’s first row must name its columns: ${BULK_COLUMNS.map((c) => c.header).join(', ')}. But ${parts.join('; ')}`);
  }
  if (body.length === 0) return refuse('The file has no purchases: add a row under the column names for each purchase');
  if (body.length > BULK_MAX_ROWS) return refuse(`The file has more than ${count(BULK_MAX_ROWS)} purchases: upload ${count(BULK_MAX_ROWS)} or fewer at a time`);

  const rows = body.map(({ record, info }) => {
    const values = Object.fromEntries(BULK_COLUMNS.map((c) => [c.field, ''])) as PurchaseFormValues;
    columns.forEach((field, i) => {
      if (field) values[field] = record[i] ?? '';
    });
    const extra = record.slice(header.record.length).some((cell) => cell.trim() !== '');
    return checkRow(info.lines, values, extra, catalog);
  });

  // A customer twice in one file is most likely a mistake in the file: the issue refuses it
  // whole, naming the later rows, rather than buy one of them.
  const firstRowOf = new Map<string, number>();
  const repeats: string[] = [];
  for (const row of rows) {
    const email = row.values.customerEmail.trim().toLowerCase();
    if (email === '') continue;
    const first = firstRowOf.get(email);
    if (first === undefined) firstRowOf.set(email, row.row);
    else repeats.push(`row ${row.row} repeats ${row.values.customerEmail.trim().slice(0, 80)} from row ${first}`);
  }
  if (repeats.length) {
    const shown = repeats.slice(0, 5).join('; ') + (repeats.length > 5 ? `; and ${count(repeats.length - 5)} more` : '');
    return refuse(`Each customer email can be in the file once, but ${shown}. Nothing was placed: correct the file and upload it again`);
  }
  return { ok: true, value: { fileName, rows } };
}

const list = (items: string[]) => (items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`);

function csvProblem(error: CsvError): string {
  const line = (error as CsvError & { lines?: number }).lines;
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return `a quote (") opened on line ${line} is never closed`;
    case 'INVALID_OPENING_QUOTE':
    case 'CSV_INVALID_CLOSING_QUOTE':
      return `a quote (") on line ${line} is in the middle of a cell: put the whole cell in quotes and double the quotes inside it`;
    default:
      return `line ${line} is not a row of cells`;
  }
}

const byName = <T extends { name: string }>(items: T[], name: string) => items.find((item) => item.name.toLowerCase() === name.trim().toLowerCase());
const TERM_WORDS = new Map(TERMS_IN_YEARS.flatMap((t) => [String(t), `${t} year`, `${t} years`].map((w) => [w, String(t)])));
const ADMINISTRATOR_WORDS: Record<string, string> = { partner: 'partner', customer: 'customer' };

// One row through the New purchase form's validator: the catalog's names become the form's
// ids first, and where a name is unknown the message says what the file may hold instead.
export function checkRow(row: number, typed: PurchaseFormValues, extraCells: boolean, catalog: Catalog): BulkRow {
  // As the form reads its fields: trimmed, control characters dropped, length capped; a line
  // break inside a quoted cell (which a form's one-line box cannot hold) is a space.
  const oneLine = Object.fromEntries(Object.entries(typed).map(([k, v]) => [k, v.replace(/\s*[\r\n]+\s*/g, ' ')]));
  const values = Object.fromEntries(BULK_COLUMNS.map((c) => [c.field, textField(oneLine, c.field, 1000)])) as PurchaseFormValues;
  const product = byName(catalog.products, values.product);
  const plan = product && byName(catalog.plans.filter((p) => p.productId === product.id), values.plan);
  const term = TERM_WORDS.get(values.term.toLowerCase().replace(/\s+/g, ' '));
  const administrator = ADMINISTRATOR_WORDS[values.administrator.toLowerCase()];
  // The columns named from the catalog and the file's words are judged here alone; the rest by the form.
  const ownProblems: Partial<Record<keyof PurchaseFormValues, string | undefined>> = {
    product: product ? undefined : values.product === '' ? 'Enter the product' : `There is no product “${values.product}”: use ${list(catalog.products.map((p) => p.name))}`,
    plan: !product ? undefined : plan ? undefined : values.plan === '' ? 'Enter the plan' : `${product.name} has no plan “${values.plan}”: use ${list(catalog.plans.filter((p) => p.productId === product.id).map((p) => p.name))}`,
    term: term ? undefined : values.term === '' ? 'Enter the term' : `The term must be ${list(TERMS_IN_YEARS.map(String))} (years)`,
    administrator: administrator ? undefined : 'The administrator must be partner (you administer the account) or customer (the customer manages their own account)',
  };
  const form = readPurchase({ ...values, product: product?.id ?? '', plan: plan?.id ?? '', term: term ?? '', administrator: administrator ?? '' }, catalog);
  const problems: RowProblem[] = [];
  for (const column of BULK_COLUMNS) {
    const message = column.field in ownProblems ? ownProblems[column.field] : form.ok ? undefined : form.errors.fields[column.field];
    if (message) problems.push({ column: column.header, message });
  }
  if (extraCells) problems.push({ column: 'Row', message: `The row has more cells than the ${BULK_COLUMNS.length} columns` });
  if (!form.ok || problems.length > 0) return { row, values, problems };
  const chosen = catalog.plans.find((p) => p.id === form.value.planId)!;
  return { row, values, purchase: form.value, totalCents: totalPriceCents(chosen, form.value.computers, form.value.termYears), problems };
}
