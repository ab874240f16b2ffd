// npm start: PostgreSQL (DATABASE_URL or the embedded one), pending migrations, first-run
// demo data, then the portal listens. SIGTERM/SIGINT stop it gracefully.
import { loadConfigOrExit } from '../lib/boot/startup.ts';
import { createLogger } from '../lib/boot/logger.ts';
import { connectDatabase, migrateLatest } from '../lib/db/database.ts';
import { createSessionStore } from '../lib/session/session.ts';
import { createApp } from '../app.ts';
import { createHttpServer } from '../lib/http/server.ts';
import { paths } from '../lib/paths.ts';
import { createMailer } from '../lib/mail/transport.ts';
import { createDeliveryWorker, type DeliveryWorker } from '../lib/mail/deliveryWorker.ts';
import { createRenewalJob, type RenewalJob } from '../lib/jobs/renewalJob.ts';
import { createDigestJob, type DigestJob } from '../lib/mail/digestJob.ts';
import { createAlertJob, type AlertJob } from '../lib/jobs/alertJob.ts';
import { overviewLinks } from '../controllers/partner/overview.ts';
import { partnerUserExists } from '../models/partners.ts';
import { DEMO_CUSTOMER_SIGN_IN, DEMO_PARTNER_SIGN_IN, DEMO_TEAM, databaseIsEmpty, seedDemoData } from '../seeds/demo.ts';
import { ROLE_LABELS } from '../lib/auth/roles.ts';

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel);

// DATABASE_POOL_SIZE connections (default 5). More connections than PostgreSQL has cores to
// run them only queue inside PostgreSQL, where they also take CPU from the app on a shared
// machine; a small pool queues in the app instead (on 2 cores, 5 served the Accounts tab
// 8% faster than 10, with a lower p99: `npm run bench`).
const database = await connectDatabase(config, logger, config.databasePoolSize);
const { db } = database;
const applied = await migrateLatest(db);
if (applied.length) logger.info({ applied }, 'applied migrations');

// First run on the embedded database in development: demo data to look at. Never in production.
let seeded = false;
if (!config.isProduction && database.embedded && (await databaseIsEmpty(db))) {
  await seedDemoData(db, config);
  seeded = true;
}

const sessions = createSessionStore(database.url, logger, config);
const app = createApp({ config, db, logger, sessions });
const server = createHttpServer(app);
// Slightly above typical proxy idle timeouts, so a proxy never reuses a closed socket.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.requestTimeout = 30_000;

// The email delivery worker runs here unless RUN_WORKER=false (then `npm run worker` runs it).
let worker: DeliveryWorker | undefined;
// The renewal job runs with it (RENEWAL_CHECK_SECONDS), expiry reminders included.
let renewals: RenewalJob | undefined;
let digests: DigestJob | undefined;
// And the not-backing-up alert job (ALERT_CHECK_SECONDS).
let alerts: AlertJob | undefined;

const showDemo = !config.isProduction && database.embedded !== undefined && (seeded || (await partnerUserExists(db, DEMO_PARTNER_SIGN_IN.email)));
server.listen(config.port, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const lines = [`${config.brandName} Partner Portal is running at ${config.appUrl}${paths.partner.signIn} (port ${port}, ${config.env})`];
  if (database.embedded) lines.push('Database: embedded PostgreSQL in data/postgres');
  if (showDemo) {
    lines.push(`Demo partner sign-in: ${DEMO_PARTNER_SIGN_IN.email} / ${DEMO_PARTNER_SIGN_IN.password}`);
    lines.push(`Demo team, the same password: ${DEMO_TEAM.map((member) => `${member.email} (${ROLE_LABELS[member.role]})`).join(', ')}`);
    lines.push(`Demo customer sign-in, at ${config.appUrl}${paths.portal.signIn}: ${DEMO_CUSTOMER_SIGN_IN.email} / ${DEMO_CUSTOMER_SIGN_IN.password}`);
  }
  if (!config.smtpUrl) lines.push(`Mail: no SMTP_URL, emails are kept in the developer mailbox at ${config.appUrl}${paths.devMailbox.index}`);
  if (!config.runWorker) lines.push('Mail: RUN_WORKER=false, the email delivery worker runs apart (npm run worker)');
  console.log(lines.join('\n'));
  if (config.runWorker) {
    worker = createDeliveryWorker({ db, mailer: createMailer(config), config, logger });
    worker.start();
    renewals = createRenewalJob({ db, config, logger, links: overviewLinks() });
    renewals.start();
    digests = createDigestJob({ db, config, logger, links: overviewLinks() });
    digests.start();
    alerts = createAlertJob({ db, config, logger, links: overviewLinks() });
    alerts.start();
  }
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down: finishing requests in flight');
  // Stop accepting; requests in flight finish; idle keep-alive sockets close now.
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const forced = setTimeout(() => server.closeAllConnections(), 10_000);
  // The worker finishes its sends in flight and gives back its claims while requests drain.
  await Promise.all([closed, worker?.stop(), digests?.stop(), renewals?.stop(), alerts?.stop()]);
  clearTimeout(forced);
  await sessions.end().catch(() => undefined);
  await database.close();
  logger.info('stopped');
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    shutdown(signal).then(
      () => process.exit(0),
      (error) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
