// The bare-metal baseline for `npm run bench`: node:http and pg, no framework, no session,
// no template engine. It runs the Accounts tab's first-page query and writes the same
// table HTML. The SQL text is taken once, at start, from the app's own model function
// (knex's query event), so both sides send PostgreSQL exactly the same statement, under the
// same prepared statement's name; product and plan names come from the catalog read once at
// start, as in the app. Serving uses only pg.
import http from 'node:http';
import pg from 'pg';
import { createKnex } from '../lib/db/database.ts';
import { listAccounts } from '../models/accounts/list.ts';
import { ADMINISTRATOR_LABELS, STATUS_LABELS, clockAt, type AccountStatus } from '../models/accounts/statuses.ts';
import { date } from '../lib/views/format.ts';
import { loadCatalog, planName, productName, type Catalog } from '../models/catalog.ts';

const port = Number(process.env.PORT ?? 3200);
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error('DATABASE_URL is required');

interface FirstPageQuery {
  name: string | undefined;
  text: string;
  values: unknown[];
  // Captured for partner 1: the bindings each request sets to its partner.
  partnerIndexes: number[];
  catalog: Catalog;
}

async function captureFirstPageQuery(): Promise<FirstPageQuery> {
  const db = createKnex(databaseUrl!, 1);
  let captured: { sql: string; bindings: unknown[]; options?: { name?: string } } | undefined;
  db.on('query', (query: { sql: string; bindings: unknown[]; options?: { name?: string } }) => {
    if (/customer_accounts/.test(query.sql)) captured ??= query;
  });
  const catalog = await loadCatalog(db);
  await listAccounts(db, 1, { search: '', sort: 'name' }, { size: 25 }, clockAt());
  await db.destroy();
  if (!captured) throw new Error('No query captured');
  return {
    name: captured.options?.name,
    // knex reports the SQL as PostgreSQL receives it ($1, $2...).
    text: captured.sql,
    values: captured.bindings,
    partnerIndexes: captured.bindings.flatMap((value, index) => (value === 1 ? [index] : [])),
    catalog,
  };
}

const escapeHtml = (value: unknown) =>
  String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const TAG: Record<AccountStatus, string> = { active: 'tag--active', trial: 'tag--trial', pending: 'tag--pending', link_expired: 'tag--link-expired', expired: 'tag--expired' };

interface Row {
  id: number;
  name: string;
  email: string;
  product_id: string;
  plan_id: string;
  computers_used: number;
  computers_allowed: number;
  administrator: 'partner' | 'customer';
  status: AccountStatus;
  ends_on: string;
}

function page(rows: Row[]): string {
  const body = rows
    .map(
      (r) => `<tr>
<td><a href="/partner/accounts/${r.id}">${escapeHtml(r.name)}</a></td>
<td>${escapeHtml(r.email)}</td>
<td>${escapeHtml(productName(query.catalog, r.product_id))} <span class="muted">${escapeHtml(planName(query.catalog, r.plan_id))}</span></td>
<td class="numeric">${r.computers_used} of ${r.computers_allowed}</td>
<td>${ADMINISTRATOR_LABELS[r.administrator]}</td>
<td><span class="tag ${TAG[r.status]}">${STATUS_LABELS[r.status]}</span></td>
<td>${date(r.ends_on)}</td>
</tr>`,
    )
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Accounts</title><link rel="stylesheet" href="/css/app.css"></head><body><main><h1>Accounts</h1>
<div class="table-wrap"><table class="table table--compact"><caption class="visually-hidden">Customer accounts</caption>
<thead><tr><th scope="col">Account</th><th scope="col">Email</th><th scope="col">Product and plan</th><th scope="col" class="numeric">Computers</th><th scope="col">Administrator</th><th scope="col">Status</th><th scope="col">Expires on</th></tr></thead>
<tbody>${body}</tbody></table></div></main></body></html>`;
}

const query = await captureFirstPageQuery();
const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname !== '/accounts') {
    res.writeHead(404).end();
    return;
  }
  const values = [...query.values];
  const partnerId = Number(url.searchParams.get('partner') ?? 1);
  for (const index of query.partnerIndexes) values[index] = partnerId;
  pool.query({ name: query.name, text: query.text, values }).then(
    (result) => {
      const html = page(result.rows as Row[]);
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html) });
      res.end(html);
    },
    (error: Error) => {
      res.writeHead(500).end(error.message);
    },
  );
});
server.listen(port, '127.0.0.1', () => console.log(`baseline listening on ${port}`));
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
