// npm run migrate: applies pending migrations, nothing else.
import { loadConfigOrExit } from '../lib/boot/startup.ts';
import { createLogger } from '../lib/boot/logger.ts';
import { connectDatabase, migrateLatest } from '../lib/db/database.ts';

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel === 'silent' ? 'silent' : 'warn');
const database = await connectDatabase(config, logger, 2);
let failed = false;
try {
  const applied = await migrateLatest(database.db);
  console.log(applied.length ? `Applied ${applied.length} migration(s):\n  ${applied.join('\n  ')}` : 'The database is up to date.');
} catch (error) {
  console.error(`Migration failed: ${(error as Error).message}`);
  failed = true;
} finally {
  await database.close();
}
process.exit(failed ? 1 : 0);
