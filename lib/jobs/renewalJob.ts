// The renewal job, in the email delivery worker's process: at start-up and then every
// RENEWAL_CHECK_SECONDS it renews the enrolled subscriptions that end within
// AUTO_RENEW_DAYS_BEFORE days (models/autoRenewals.ts), then sends the expiry reminders
// (models/expiryReminders.ts): after the renewals, so a subscription renewed in this pass is
// not reminded. Exactly-once lives in the database, so however many workers run it, each
// subscription is renewed once per term and each partner user gets one reminder a day at most.
import type { Knex } from 'knex';
import type { Config } from '../boot/config.ts';
import type { Logger } from '../boot/logger.ts';
import { runAutoRenewals, type AutoRenewalRun } from '../../models/autoRenewals.ts';
import { sendExpiryReminders, type ExpiryReminderLinks, type ExpiryReminderRun } from '../../models/expiryReminders.ts';
import { clockAt } from '../../models/accounts/statuses.ts';
import { createPeriodicJob, type PeriodicJob } from './periodicJob.ts';

export interface RenewalJobDeps {
  db: Knex;
  config: Pick<Config, 'currency' | 'appUrl' | 'autoRenewDaysBefore' | 'renewalCheckSeconds'>;
  logger: Logger;
  links: ExpiryReminderLinks;
}

export interface RenewalPass extends AutoRenewalRun {
  reminders: ExpiryReminderRun;
}

export type RenewalJob = PeriodicJob<RenewalPass>;

export function createRenewalJob(deps: RenewalJobDeps): RenewalJob {
  const log = deps.logger.child({ job: 'auto-renew' });

  async function runOnce(now = new Date()): Promise<RenewalPass> {
    const run = await runAutoRenewals(deps.db, deps.config, clockAt(now), {
      onError: (error, subscriptionId) => log.error({ err: error, subscriptionId }, 'automatic renewal failed; tried again on the next pass'),
    });
    if (run.renewed || run.refused || run.failed) log.info(run, 'automatic renewals');
    const reminders = await sendExpiryReminders(deps.db, deps.config, deps.links, now);
    if (reminders.reminders || reminders.emailsQueued) log.info(reminders, 'expiry reminders');
    return { ...run, reminders };
  }

  return createPeriodicJob({ log, everyMs: deps.config.renewalCheckSeconds * 1000, failure: 'renewal job pass failed', runOnce });
}
