// The weekly digest job, in the email delivery worker's process: at start-up and then every
// hour it queues this ISO week's digests not queued yet (models/digests.ts). The once-a-week rule
// lives in the database, so however many workers run it, each user gets one digest a week.
import type { Knex } from 'knex';
import type { Logger } from '../boot/logger.ts';
import { queueWeeklyDigests, type DigestLinks, type DigestRun } from '../../models/digests.ts';
import { createPeriodicJob, type PeriodicJob } from '../jobs/periodicJob.ts';

export interface DigestJobDeps {
  db: Knex;
  config: { appUrl: string };
  logger: Logger;
  links: DigestLinks;
}

export type DigestJob = PeriodicJob<DigestRun>;

export const DIGEST_CHECK_MS = 60 * 60_000;

export function createDigestJob(deps: DigestJobDeps, options: { intervalMs?: number } = {}): DigestJob {
  const intervalMs = options.intervalMs ?? DIGEST_CHECK_MS;
  const log = deps.logger.child({ job: 'weekly-digest' });

  async function runOnce(now = new Date()): Promise<DigestRun> {
    const run = await queueWeeklyDigests(deps.db, deps.config, deps.links, now);
    if (run.queued || run.nothingToReport) log.info(run, 'weekly digests queued');
    return run;
  }

  return createPeriodicJob({ log, everyMs: intervalMs, failure: 'weekly digest run failed', runOnce });
}
