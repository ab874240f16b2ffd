// The worker's jobs on the benchmark database (bench/data.ts), timed as the worker runs them:
// - the renewal job's pass over 10,000 enrolled subscriptions due at once (target 60 s), each
//   renewed exactly once: one order apiece, and a second pass renews nothing;
// - the weekly digest queued for all 200 partners (target 60 s).
// Each leaves the data as built: the renewals are bought for a partner of their own, deleted
// afterwards with everything it has, and the digest is queued for a week of its own and taken back.
import { createKnex } from '../lib/db/database.ts';
import { createLogger } from '../lib/boot/logger.ts';
import { hashSecret } from '../lib/auth/passwords.ts';
import { createRenewalJob } from '../lib/jobs/renewalJob.ts';
import { createPartnerWithOwner } from '../models/partners.ts';
import { isoWeek, queueWeeklyDigests } from '../models/digests.ts';
import { overviewLinks } from '../controllers/partner/overview.ts';
import { BENCH_PASSWORD } from './data.ts';

export const JOB_TARGETS = { renewals: 10_000, renewalSeconds: 60, digestSeconds: 60 };

export interface RenewalBenchResult {
  subscriptions: number;
  seconds: number;
  renewed: number;
  orders: number;
  // Renewed by a second pass right after: 0 when each subscription was renewed once.
  renewedAgain: number;
  met: boolean;
}

export interface DigestBenchResult {
  seconds: number;
  queued: number;
  nothingToReport: number;
  partners: number;
  met: boolean;
}

// No bench subscription ends in 2099: at this clock only the bench partner's are due.
const RENEWAL_CLOCK = new Date('2099-01-01T06:00:00Z');

export async function benchRenewalJob(databaseUrl: string, appUrl: string, subscriptions = JOB_TARGETS.renewals): Promise<RenewalBenchResult> {
  const db = createKnex(databaseUrl, 5);
  const tag = Date.now().toString(36);
  const { partnerId } = await createPartnerWithOwner(db, {
    company: `Renewal Bench ${tag}`,
    name: 'Renewal Bench Owner',
    email: `renewal.owner.${tag}@bench.example`,
    passwordHash: await hashSecret(BENCH_PASSWORD),
  });
  try {
    // Enrolled subscriptions of every product and term, ending over the week the job looks ahead.
    await db.raw(
      `WITH accounts AS (
         INSERT INTO customer_accounts (partner_id, name, email, administrator, status, purchase_key)
         SELECT ?, 'Renewal Bench ' || g, 'renewal.' || g || '.${tag}@bench.example', 'partner', 'active', gen_random_uuid()
         FROM generate_series(1, ?) g
         RETURNING id)
       INSERT INTO subscriptions (customer_account_id, partner_id, product_id, plan_id, computers_allowed, term_years, starts_on, ends_on, key_code, yearly_price_cents, total_price_cents, auto_renew)
       SELECT a.id, ?, pl.product_id, pl.id, x.computers, x.term, date '2098-01-02', date '2099-01-02' + (a.id % 7)::int,
         upper(substr(x.h, 1, 4) || '-' || substr(x.h, 5, 4) || '-' || substr(x.h, 9, 4) || '-' || substr(x.h, 13, 4)), pl.yearly_price_cents, pl.yearly_price_cents * x.computers * x.term, true
       FROM accounts a
       CROSS JOIN LATERAL (SELECT CASE WHEN a.id % 2 = 0 THEN 'safe' ELSE 'safe-backup-pro' END AS product,
         CASE WHEN a.id % 2 = 0 THEN 1 ELSE 1 + (a.id % 9)::int END AS computers, 1 + (a.id % 3)::int AS term,
         md5('renewal-bench-${tag}-' || a.id) AS h) x
       JOIN plans pl ON pl.product_id = x.product AND pl.sort_order = 1 + (a.id % 3)::int`,
      [partnerId, subscriptions, partnerId],
    );
    await db.raw('ANALYZE subscriptions');
    const job = createRenewalJob({
      db,
      config: { currency: 'USD', appUrl, autoRenewDaysBefore: 7, renewalCheckSeconds: 60 },
      logger: createLogger('warn'),
      links: overviewLinks(),
    });
    const started = performance.now();
    const pass = await job.runOnce(RENEWAL_CLOCK);
    const seconds = (performance.now() - started) / 1000;
    const again = await job.runOnce(RENEWAL_CLOCK);
    const [{ orders }] = await db('orders').where({ partner_id: partnerId, kind: 'auto_renewal' }).countDistinct<{ orders: number }[]>('order_key as orders');
    const renewed = pass.renewed;
    return {
      subscriptions,
      seconds: Number(seconds.toFixed(1)),
      renewed,
      orders: Number(orders),
      renewedAgain: again.renewed,
      met: seconds <= JOB_TARGETS.renewalSeconds && renewed === subscriptions && Number(orders) === subscriptions && again.renewed === 0 && pass.failed === 0,
    };
  } finally {
    await db('outbox_emails').where({ partner_id: partnerId }).delete();
    await db('partners').where({ id: partnerId }).delete();
    await db.destroy();
  }
}

export async function benchWeeklyDigest(databaseUrl: string, appUrl: string): Promise<DigestBenchResult> {
  const db = createKnex(databaseUrl, 5);
  const when = new Date('2031-01-15T06:00:00Z');
  const week = isoWeek(when);
  try {
    const started = performance.now();
    const run = await queueWeeklyDigests(db, { appUrl }, overviewLinks(), when);
    const seconds = (performance.now() - started) / 1000;
    const [{ partners }] = await db('weekly_digests').where({ iso_week: week }).countDistinct<{ partners: number }[]>('partner_id as partners');
    return { seconds: Number(seconds.toFixed(1)), queued: run.queued, nothingToReport: run.nothingToReport, partners: Number(partners), met: seconds <= JOB_TARGETS.digestSeconds };
  } finally {
    await db('outbox_emails').where('idempotency_key', 'like', `weekly-digest:%:${week}`).delete();
    await db('weekly_digests').where({ iso_week: week }).delete();
    await db.destroy();
  }
}
