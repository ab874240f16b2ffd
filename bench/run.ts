// npm run bench: the portal against a bare node:http + pg baseline, on the same machine in
// the same run, over a database of 1,000,000 accounts. Prints a table per page, writes
// bench/results.json, and ends with the one line that matters.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import autocannon from 'autocannon';
import { projectRoot } from '../lib/boot/projectRoot.ts';
import { paths } from '../lib/paths.ts';
import { freePort } from '../test/support/hooks.ts';
import { BENCH_PASSWORD, BIG_PARTNER_EMAIL, BIG_PARTNER_ID, benchFacts, ensureBenchData, startBenchPostgres } from './data.ts';

const DURATION = Number(process.env.BENCH_SECONDS ?? 15);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
const CONNECTIONS = 16;

interface Measured {
  page: string;
  url: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  peakRssMb?: number;
}

function startProcess(args: string[], env: Record<string, string>, readyLine: RegExp): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
      cwd: projectRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`${args[0]} did not start in time:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (readyLine.test(output)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args[0]} exited with ${code}:\n${output}`));
    });
  });
}

function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.removeAllListeners('exit');
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
  });
}

async function rssMb(pid: number): Promise<number> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

// A browser's cookies: what an answer sets replaces what was held ("a=1; b=2" to send).
class CookieJar {
  private readonly cookies = new Map<string, string>();
  constructor(cookies = '') {
    if (cookies) this.takeLines(cookies.split('; '));
  }
  take(res: Response): void {
    this.takeLines(res.headers.getSetCookie());
  }
  takeLines(lines: string[]): void {
    for (const line of lines) {
      const pair = line.split(';')[0];
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }
  toString(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

// A browser-like sign-in through the real form: the page's CSRF token and cookies, the POST,
// and the page it lands on; answers the cookies a browser holds then (the session's, and the
// revision of the session its last answer wrote).
async function signIn(baseUrl: string, formPath: string, email: string, password: string): Promise<string> {
  const jar = new CookieJar();
  const page = await fetch(baseUrl + formPath);
  jar.take(page);
  const html = await page.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!csrf) throw new Error(`No CSRF token on ${formPath}`);
  const res = await fetch(baseUrl + formPath, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.toString() },
    body: new URLSearchParams({ _csrf: csrf, email, password }).toString(),
  });
  if (res.status !== 303) throw new Error(`Sign-in at ${formPath} answered ${res.status}`);
  jar.take(res);
  const landing = await fetch(new URL(res.headers.get('location')!, baseUrl), { headers: { cookie: jar.toString() }, redirect: 'manual' });
  if (landing.status !== 200) throw new Error(`The page after sign-in at ${formPath} answered ${landing.status}`);
  jar.take(landing);
  await landing.arrayBuffer();
  return jar.toString();
}

async function getHtml(url: string, cookie: string): Promise<string> {
  const res = await fetch(url, { headers: { cookie }, redirect: 'manual' });
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return res.text();
}

// Follows the list's "Next" links until `rowsDeep` rows have gone by, as a person paging would.
async function deepPageUrl(baseUrl: string, cookie: string, firstPath: string, rowsPerPage: number, rowsDeep: number): Promise<string> {
  let current = firstPath;
  for (let seen = 0; seen < rowsDeep; seen += rowsPerPage) {
    const html = await getHtml(baseUrl + current, cookie);
    const next = /<a[^>]+href="([^"]+)"[^>]*rel="next"|<a[^>]+rel="next"[^>]*href="([^"]+)"/.exec(html);
    if (!next) throw new Error(`No Next link on ${current}`);
    current = (next[1] ?? next[2]).replace(/&amp;/g, '&');
  }
  return current;
}

// Signed-in pages are driven as one browser's tabs: every connection sends the cookies the
// browser holds, and takes any cookie an answer sets (the session's revision moves when the
// session changes, once a minute at most for the idle clock).
function browserRequests(cookie: string | undefined): autocannon.Request[] | undefined {
  if (!cookie) return undefined;
  const jar = new CookieJar(cookie);
  return [
    {
      setupRequest: (request) => ({ ...request, headers: { ...request.headers, cookie: jar.toString() } }),
      onResponse: (_status, _body, _context, headers) => {
        const set = headers?.['Set-Cookie'] ?? headers?.['set-cookie'];
        if (set) jar.takeLines(Array.isArray(set) ? set : [set]);
      },
    },
  ];
}

async function measure(page: string, url: string, cookie: string | undefined, pid: number | undefined): Promise<Measured> {
  const requests = browserRequests(cookie);
  await autocannon({ url, connections: CONNECTIONS, duration: WARMUP, requests });
  let peak = 0;
  const sampler = pid
    ? setInterval(() => {
        rssMb(pid).then((mb) => (peak = Math.max(peak, mb)), () => undefined);
      }, 200)
    : undefined;
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION, requests });
  if (sampler) clearInterval(sampler);
  return {
    page,
    url: url.replace(/^http:\/\/[^/]+/, ''),
    requestsPerSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    peakRssMb: pid ? Math.round(peak) : undefined,
  };
}

function table(rows: Measured[]): string {
  const head = ['page', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'peak RSS MB'];
  const lines = rows.map((r) => [r.page, String(r.requestsPerSecond), String(r.p50), String(r.p99), String(r.errors), r.peakRssMb === undefined ? '-' : String(r.peakRssMb)]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  return [fmt(head), `|${widths.map((w, i) => (i === 0 ? ':' : '') + '-'.repeat(w + 1) + (i === 0 ? '' : ':')).join('|')}|`, ...lines.map(fmt)].join('\n');
}

async function main(): Promise<void> {
  const database = await startBenchPostgres();
  const children: ChildProcess[] = [];
  try {
    await ensureBenchData(database.url);
    const facts = await benchFacts(database.url);

    const appPort = await freePort();
    const baselinePort = await freePort();
    const appUrl = `http://127.0.0.1:${appPort}`;
    const app = await startProcess(
      ['bin/server.ts'],
      {
        NODE_ENV: 'production',
        PORT: String(appPort),
        APP_URL: appUrl,
        DATABASE_URL: database.url,
        SESSION_SECRET: 'benchmark-session-secret-0123456789abcdef',
        SMTP_URL: 'smtp://127.0.0.1:2',
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
      },
      /is running at/,
    );
    children.push(app);
    const baseline = await startProcess(['bench/baseline.ts'], { PORT: String(baselinePort), DATABASE_URL: database.url }, /baseline listening/);
    children.push(baseline);

    const partnerCookie = await signIn(appUrl, paths.partner.signIn, BIG_PARTNER_EMAIL, BENCH_PASSWORD);
    const customerCookie = await signIn(appUrl, paths.portal.signIn, facts.customerEmail, BENCH_PASSWORD);
    const deep = await deepPageUrl(appUrl, partnerCookie, paths.partner.accounts, 25, 2000);

    const results: Measured[] = [];
    const run = async (page: string, url: string, cookie: string | undefined, pid?: number) => {
      const measured = await measure(page, url, cookie, pid);
      results.push(measured);
      console.log(`  ${page}: ${measured.requestsPerSecond} req/s, p99 ${measured.p99} ms, ${measured.errors} errors`);
      return measured;
    };
    console.log(`Driving each page for ${DURATION} s at ${CONNECTIONS} connections after a ${WARMUP} s warm-up...`);
    const baselineResult = await run('baseline: accounts page (node:http + pg)', `http://127.0.0.1:${baselinePort}/accounts?partner=${BIG_PARTNER_ID}`, undefined);
    const accounts = await run('Accounts tab, first page', appUrl + paths.partner.accounts, partnerCookie, app.pid);
    await run('Accounts tab, 2,000 rows deep', appUrl + deep, partnerCookie, app.pid);
    await run('Accounts tab, substring search', `${appUrl}${paths.partner.accounts}?q=${encodeURIComponent('garcia')}`, partnerCookie, app.pid);
    await run('Accounts tab, filtered view', `${appUrl}${paths.partner.accounts}?status=pending&product=safe-backup-pro&administrator=customer`, partnerCookie, app.pid);
    await run('account Dashboard', appUrl + paths.partner.account(facts.accountId), partnerCookie, app.pid);
    await run("customer's Backup Dashboard", appUrl + paths.portal.home, customerCookie, app.pid);

    const ratio = accounts.requestsPerSecond / baselineResult.requestsPerSecond;
    const peakRss = Math.max(...results.map((r) => r.peakRssMb ?? 0));
    const output = {
      when: new Date().toISOString(),
      machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
      settings: { durationSeconds: DURATION, warmupSeconds: WARMUP, connections: CONNECTIONS },
      pages: results,
      accountsRatio: Number(ratio.toFixed(2)),
      peakRssMb: peakRss,
      targets: {
        ratioAtLeast035: ratio >= 0.35,
        p99AtMost50: results.every((r) => r.p99 <= 50),
        noErrors: results.every((r) => r.errors === 0),
        rssUnder250: peakRss < 250,
      },
    };
    await fs.writeFile(path.join(projectRoot, 'bench', 'results.json'), `${JSON.stringify(output, null, 2)}\n`);
    console.log('');
    console.log(table(results));
    console.log('');
    console.log(`Targets: ratio >= 0.35 ${output.targets.ratioAtLeast035 ? 'met' : 'MISSED'}; p99 <= 50 ms ${output.targets.p99AtMost50 ? 'met' : 'MISSED'}; no errors ${output.targets.noErrors ? 'met' : 'MISSED'}; RSS < 250 MB ${output.targets.rssUnder250 ? 'met' : 'MISSED'} (peak ${peakRss} MB)`);
    console.log(`accounts page: ${accounts.requestsPerSecond} req/s = ${ratio.toFixed(2)} of baseline, p99 ${accounts.p99} ms`);
  } finally {
    for (const child of children) await stopProcess(child);
    await database.embedded.stop();
  }
}

await main();
process.exit(0);
