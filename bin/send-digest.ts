// npm run send-digest: queue this ISO week's partner digests now, under the same once-a-week
// rule as the worker's job (a user who already has this week's digest gets none). The delivery
// worker sends them.
import { loadConfigOrExit } from '../lib/boot/startup.ts';
import { createLogger } from '../lib/boot/logger.ts';
import { connectDatabase, migrateLatest } from '../lib/db/database.ts';
import { queueWeeklyDigests } from '../models/digests.ts';
import { overviewLinks } from '../controllers/partner/overview.ts';

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel);
const database = await connectDatabase(config, logger, 2);
let exitCode = 0;
try {
  await migrateLatest(database.db);
  const started = Date.now();
  const run = await queueWeeklyDigests(database.db, config, overviewLinks());
  console.log(
    `Weekly digests for ${run.week}: ${run.queued} queued, ${run.nothingToReport} with nothing to report (not sent), ` +
      `${run.alreadyDone} already done this week, in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
} catch (error) {
  console.error(`Could not queue the weekly digests: ${(error as Error).message}`);
  exitCode = 1;
} finally {
  await database.close();
}
process.exit(exitCode);
