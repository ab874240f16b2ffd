// The not-backing-up alert job, in the email delivery worker's process: at start-up and then
// every ALERT_CHECK_SECONDS it records the accounts that crossed into Not backing up and
// queues each partner's daily batch (models/notBackingUpAlerts.ts). Once per crossing and once
// a day live in the database, so however many workers run it, nothing is sent twice.
import type { Knex } from 'knex';
import type { Config } from '../boot/config.ts';
import type { Logger } from '../boot/logger.ts';
import { checkNotBackingUpAlerts, type AlertLinks, type AlertRun } from '../../models/notBackingUpAlerts.ts';
import { createPeriodicJob, type PeriodicJob } from './periodicJob.ts';

export interface AlertJobDeps {
  db: Knex;
  config: Pick<Config, 'appUrl' | 'alertCheckSeconds'>;
  logger: Logger;
  links: AlertLinks;
}

export type AlertJob = PeriodicJob<AlertRun>;

export function createAlertJob(deps: AlertJobDeps): AlertJob {
  const log = deps.logger.child({ job: 'not-backing-up-alert' });

  async function runOnce(now = new Date()): Promise<AlertRun> {
    const run = await checkNotBackingUpAlerts(deps.db, deps.config, deps.links, now);
    if (run.crossings || run.emailsQueued) log.info(run, 'not-backing-up alerts');
    return run;
  }

  return createPeriodicJob({ log, everyMs: deps.config.alertCheckSeconds * 1000, failure: 'not-backing-up alert pass failed', runOnce });
}
