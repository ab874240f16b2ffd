// The weekly digest job, in the email delivery worker's process: at start-up and then every
// hour it queues this ISO week's digests not queued yet (models/digests.ts). The once-a-week rule
// lives in the database, so however many workers run it, each user gets one digest a week.
import type { Knex } from 'knex';
import type { Logger } from '../boot/logger.ts';
import { queueWeeklyDigests, type DigestLinks, type DigestRun } from '../../models/digests.ts';

export interface DigestJobDeps {
  db: Knex;
  config: { appUrl: string };
  logger: Logger;
  links: DigestLinks;
}

export interface DigestJob {
  // One pass, at the given moment (tests give a clock).
  runOnce(now?: Date): Promise<DigestRun>;
  start(): void;
  stop(): Promise<void>;
}

export const DIGEST_CHECK_MS = 60 * 60_000;

export function createDigestJob(deps: DigestJobDeps, options: { intervalMs?: number } = {}): DigestJob {
  const intervalMs = options.intervalMs ?? DIGEST_CHECK_MS;
  const log = deps.logger.child({ job: 'weekly-digest' });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;

  async function runOnce(now = new Date()): Promise<DigestRun> {
    const run = await queueWeeklyDigests(deps.db, deps.config, deps.links, now);
    if (run.queued || run.nothingToReport) log.info(run, 'weekly digests queued');
    return run;
  }

  function tick() {
    if (stopped) return;
    running = runOnce()
      .catch((error) => log.error({ err: error }, 'weekly digest run failed'))
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  }

  return {
    runOnce,
    start() {
      if (timer || running || stopped) return;
      tick();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
