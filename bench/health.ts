// npm run bench:health — issue 18's figures on the benchmark database (bench/data.ts): the
// Overview and the Accounts list by backup health for the 100,000-account partner (wrk's
// maximum, then half of it at a fixed rate: p99 target 50 ms), and the weekly digest queued for
// every partner (target 60 s). Kept apart from bench/run.ts, which another piece of work owns.
import fs from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from '../lib/boot/projectRoot.ts';
import { paths } from '../lib/paths.ts';
import { createKnex } from '../lib/db/database.ts';
import { startBenchApp, stopProcess, type BenchApp } from './processes.ts';
import { signIn } from './browser.ts';
import { BENCH_PASSWORD, BIG_PARTNER_EMAIL, ensureBenchData, startBenchPostgres } from './data.ts';
import { runFixedRate } from './fixedRate.ts';
import { requireWrk, runWrk } from './wrk.ts';
import { isoWeek, queueWeeklyDigests } from '../models/digests.ts';
import { overviewLinks } from '../controllers/partner/overview.ts';

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
const CONNECTIONS = 16;
const TARGETS = { p99Ms: 50, digestSeconds: 60 };

async function main(): Promise<void> {
  requireWrk();
  const database = await startBenchPostgres();
  let app: BenchApp | undefined;
  try {
    await ensureBenchData(database.url);
    app = await startBenchApp(database.url);
    const appUrl = app.url;
    const cookie = await signIn(appUrl, paths.partner.signIn, BIG_PARTNER_EMAIL, BENCH_PASSWORD);
    const pages: [string, string][] = [
      ['Overview', appUrl + paths.partner.overview],
      ['Accounts, Not backing up', `${appUrl}${paths.partner.accounts}?health=not_backing_up`],
      ['Accounts, Overdue, by last backup', `${appUrl}${paths.partner.accounts}?health=overdue&sort=backup`],
      ['Accounts, by last backup', `${appUrl}${paths.partner.accounts}?sort=backup`],
    ];
    const results = [];
    for (const [name, url] of pages) {
      await runWrk(url, cookie, WARMUP, CONNECTIONS);
      const wrk = await runWrk(url, cookie, DURATION, CONNECTIONS);
      const fixed = await runFixedRate(url, cookie, Math.max(1, Math.round(wrk.requestsPerSecond / 2)), DURATION, CONNECTIONS);
      const after = await fetch(url, { headers: { cookie }, redirect: 'manual' });
      await after.arrayBuffer();
      const errors = wrk.errors + fixed.errors + (after.status === 200 ? 0 : 1);
      results.push({ page: name, requestsPerSecond: wrk.requestsPerSecond, fixedRate: fixed.achieved, p50: fixed.p50, p99: fixed.p99, errors });
      console.log(`  ${name}: wrk ${wrk.requestsPerSecond} req/s; at ${fixed.achieved} req/s p50 ${fixed.p50} ms, p99 ${fixed.p99} ms; ${errors} errors`);
    }
    await stopProcess(app.child);
    app = undefined;

    // The digest for every partner, in a week of its own, taken back afterwards so the data stays as built.
    const db = createKnex(database.url, 5);
    const when = new Date('2031-01-15T06:00:00Z');
    const week = isoWeek(when);
    let digest;
    try {
      const started = Date.now();
      const run = await queueWeeklyDigests(db, { appUrl }, overviewLinks(), when);
      const seconds = (Date.now() - started) / 1000;
      const partners = await db('weekly_digests').where({ iso_week: week }).countDistinct<{ n: number }[]>('partner_id as n');
      digest = { seconds: Number(seconds.toFixed(1)), queued: run.queued, nothingToReport: run.nothingToReport, partners: Number(partners[0].n) };
      console.log(`  Weekly digest: ${run.queued} queued and ${run.nothingToReport} with nothing to report, for ${digest.partners} partners, in ${digest.seconds} s`);
    } finally {
      await db('outbox_emails').where('idempotency_key', 'like', `weekly-digest:%:${week}`).delete();
      await db('weekly_digests').where({ iso_week: week }).delete();
      await db.destroy();
    }
    const targets = { p99: results.every((r) => r.p99 <= TARGETS.p99Ms), noErrors: results.every((r) => r.errors === 0), digest: digest.seconds <= TARGETS.digestSeconds };
    console.log(`Targets: p99 ≤ ${TARGETS.p99Ms} ms ${targets.p99 ? 'met' : 'MISSED'}; no errors ${targets.noErrors ? 'met' : 'MISSED'}; digest ≤ ${TARGETS.digestSeconds} s ${targets.digest ? 'met' : 'MISSED'}`);
    await fs.writeFile(path.join(projectRoot, 'bench', 'health-results.json'), JSON.stringify({ when: new Date().toISOString(), pages: results, digest, targets }, null, 2) + '\n');
  } finally {
    if (app) await stopProcess(app.child);
    await database.embedded.stop();
  }
}

await main();
