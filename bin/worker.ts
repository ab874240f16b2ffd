// npm run worker: the email delivery worker alone, for running it apart from the web
// servers (start those with RUN_WORKER=false). SIGTERM/SIGINT stop it cleanly.
import { loadConfigOrExit } from '../lib/boot/startup.ts';
import { createLogger } from '../lib/boot/logger.ts';
import { connectDatabase, migrateLatest } from '../lib/db/database.ts';
import { createMailer } from '../lib/mail/transport.ts';
import { createDeliveryWorker } from '../lib/mail/deliveryWorker.ts';
import { createRenewalJob } from '../lib/jobs/renewalJob.ts';
import { createDigestJob } from '../lib/mail/digestJob.ts';
import { createAlertJob } from '../lib/jobs/alertJob.ts';
import { overviewLinks } from '../controllers/partner/overview.ts';
import { paths } from '../lib/paths.ts';

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel);

const database = await connectDatabase(config, logger, 3);
// The worker may start before any web server: it needs the outbox to be there.
await migrateLatest(database.db);

const mailer = createMailer(config);
const worker = createDeliveryWorker({ db: database.db, mailer, config, logger });
worker.start();
// The renewal job runs beside it (models/autoRenewals.ts renews each subscription once per term;
// models/expiryReminders.ts then sends the expiry reminders).
const renewals = createRenewalJob({ db: database.db, config, logger, links: overviewLinks() });
renewals.start();
// The weekly digest job runs beside it (models/digests.ts keeps it to one per user per week).
const digests = createDigestJob({ db: database.db, config, logger, links: overviewLinks() });
digests.start();
// The not-backing-up alert job runs beside it (ALERT_CHECK_SECONDS; models/notBackingUpAlerts.ts).
const alerts = createAlertJob({ db: database.db, config, logger, links: overviewLinks() });
alerts.start();
console.log(
  mailer
    ? `Email delivery worker running: sending through ${mailer.description}`
    : `Email delivery worker running without SMTP_URL: emails are kept in the developer mailbox at ${config.appUrl}${paths.devMailbox.index}`,
);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping the email delivery worker');
    Promise.all([worker.stop(), digests.stop(), renewals.stop(), alerts.stop()])
      .then(() => database.close())
      .then(
        () => process.exit(0),
        (error) => {
          logger.error({ err: error }, 'worker shutdown failed');
          process.exit(1);
        },
      );
  });
}
