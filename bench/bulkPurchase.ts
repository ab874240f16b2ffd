// npm run bench:bulk — issue 16's bulk purchase figures on the benchmark database
// (bench/data.ts): a CSV of 5,000 purchases uploaded and previewed (target 2 s), then placed
// (target 10 s), through the real forms as a browser sends them. benchBulkPurchase is for
// bench/run.ts too: it needs only the app's address and its database, and buys for a partner
// of its own, deleted afterwards, so the benchmark data stays as built.
import { pathToFileURL } from 'node:url';
import { paths } from '../lib/paths.ts';
import { createKnex } from '../lib/db/database.ts';
import { hashSecret } from '../lib/auth/passwords.ts';
import { createPartnerWithOwner } from '../models/partners.ts';
import { signIn } from './browser.ts';
import { BENCH_PASSWORD, ensureBenchData, startBenchPostgres, vacuumBenchData } from './data.ts';
import { startBenchApp, stopProcess, type BenchApp } from './processes.ts';

export const BULK_TARGETS = { rows: 5000, previewSeconds: 2, placeSeconds: 10 };

export interface BulkBenchResult {
  rows: number;
  megabytes: number;
  previewSeconds: number;
  placeSeconds: number;
  targets: { preview: boolean; place: boolean };
}

const PRODUCTS = [
  ['Safe', 'Basic', ''],
  ['Safe', 'Plus', '1'],
  ['Safe Backup Pro', 'Core', '5'],
  ['Safe Backup Pro', 'Power', '25'],
  ['Safe Backup Pro', 'Ultimate', '120'],
];

// A file as a partner's spreadsheet would hold it: every row ready, half of them managed by
// the customer (a registration email each).
export function bulkCsv(rows: number, tag: string): string {
  const lines = ['Customer name,Customer email,Product,Plan,Computers,Term,Administrator'];
  for (let i = 0; i < rows; i += 1) {
    const [product, plan, computers] = PRODUCTS[i % PRODUCTS.length];
    lines.push(`"Bulk Bench ${i}, Ltd",bulk.${tag}.${i}@bench.example,${product},${plan},${computers},${(i % 3) + 1},${i % 2 ? 'customer' : 'partner'}`);
  }
  return lines.join('\r\n') + '\r\n';
}

async function csrfOf(url: string, cookie: string): Promise<string> {
  const res = await fetch(url, { headers: { cookie }, redirect: 'manual' });
  const html = await res.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (res.status !== 200 || !csrf) throw new Error(`${url} answered ${res.status} without a form`);
  return csrf;
}

// A GET that must answer 200, read to the end.
async function page(url: string, cookie: string): Promise<string> {
  const res = await fetch(url, { headers: { cookie }, redirect: 'manual' });
  const html = await res.text();
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return html;
}

export async function benchBulkPurchase(appUrl: string, databaseUrl: string, rows = BULK_TARGETS.rows): Promise<BulkBenchResult> {
  const db = createKnex(databaseUrl, 2);
  const tag = Date.now().toString(36);
  const email = `bulk.owner.${tag}@bench.example`;
  const { partnerId } = await createPartnerWithOwner(db, { company: `Bulk Bench ${tag}`, name: 'Bulk Bench Owner', email, passwordHash: await hashSecret(BENCH_PASSWORD) });
  try {
    const cookie = await signIn(appUrl, paths.partner.signIn, email, BENCH_PASSWORD);
    const csv = bulkCsv(rows, tag);
    const csrf = await csrfOf(appUrl + paths.partner.bulkPurchase, cookie);
    const form = new FormData();
    form.append('_csrf', csrf);
    form.append('file', new Blob([csv], { type: 'text/csv' }), 'bench.csv');

    // Upload and preview: the POST that reads and checks the file, and the preview it leads to.
    let started = performance.now();
    const uploaded = await fetch(appUrl + paths.partner.bulkPurchase, { method: 'POST', body: form, headers: { cookie }, redirect: 'manual' });
    await uploaded.arrayBuffer();
    if (uploaded.status !== 303) throw new Error(`The upload answered ${uploaded.status}`);
    const previewUrl = new URL(uploaded.headers.get('location')!, appUrl).href;
    const preview = await page(previewUrl, cookie);
    const previewSeconds = (performance.now() - started) / 1000;
    if (!preview.includes(`Place ${rows.toLocaleString('en-US')} purchases`)) throw new Error('The preview does not offer to place every row');

    // Place, and the result page it leads to.
    const placeCsrf = /name="_csrf" value="([^"]+)"/.exec(preview)![1];
    started = performance.now();
    const placed = await fetch(`${previewUrl}/place`, {
      method: 'POST',
      body: new URLSearchParams({ _csrf: placeCsrf }).toString(),
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      redirect: 'manual',
    });
    await placed.arrayBuffer();
    if (placed.status !== 303) throw new Error(`Place answered ${placed.status}`);
    await page(new URL(placed.headers.get('location')!, appUrl).href, cookie);
    const placeSeconds = (performance.now() - started) / 1000;

    const accounts = await db('customer_accounts').where({ partner_id: partnerId }).count<{ n: number }[]>('* as n');
    if (Number(accounts[0].n) !== rows) throw new Error(`Placed ${accounts[0].n} accounts, not ${rows}`);
    return {
      rows,
      megabytes: Number((Buffer.byteLength(csv) / 1024 / 1024).toFixed(2)),
      previewSeconds: Number(previewSeconds.toFixed(2)),
      placeSeconds: Number(placeSeconds.toFixed(2)),
      targets: { preview: previewSeconds <= BULK_TARGETS.previewSeconds, place: placeSeconds <= BULK_TARGETS.placeSeconds },
    };
  } finally {
    // The bench's own partner goes with everything it bought (its rows cascade), emails included.
    await db('outbox_emails').where({ partner_id: partnerId }).delete();
    await db('partners').where({ id: partnerId }).delete();
    await db.destroy();
  }
}

export function describeBulkResult(r: BulkBenchResult): string {
  const verdict = (met: boolean) => (met ? 'met' : 'MISSED');
  return (
    `Bulk purchase of ${r.rows.toLocaleString('en-US')} rows (${r.megabytes} MB): upload and preview ${r.previewSeconds} s (≤ ${BULK_TARGETS.previewSeconds} s ${verdict(r.targets.preview)}), ` +
    `place ${r.placeSeconds} s (≤ ${BULK_TARGETS.placeSeconds} s ${verdict(r.targets.place)})`
  );
}

async function main(): Promise<void> {
  const database = await startBenchPostgres();
  let app: BenchApp | undefined;
  try {
    await ensureBenchData(database.url);
    app = await startBenchApp(database.url);
    console.log(describeBulkResult(await benchBulkPurchase(app.url, database.url)));
    await vacuumBenchData(database.url);
  } finally {
    if (app) await stopProcess(app.child);
    await database.embedded.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
