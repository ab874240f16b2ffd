// The real app, built as test/support/app.ts builds it, but on any database: the fault
// tests that stop PostgreSQL run the app on a server of their own.
import type { Express } from 'express';
import type { Knex } from 'knex';
import { loadConfig, type Config } from '../../../lib/boot/config.ts';
import { createLogger } from '../../../lib/boot/logger.ts';
import { createKnex } from '../../../lib/db/database.ts';
import { createSessionStore } from '../../../lib/session/session.ts';
import { createApp } from '../../../app.ts';
import { listen } from '../../support/app.ts';

export interface AppOnDatabase {
  app: Express;
  config: Config;
  db: Knex;
  url: string;
  close(): Promise<void>;
}

export async function serveAppOn(databaseUrl: string, env: Record<string, string> = {}): Promise<AppOnDatabase> {
  const config = loadConfig({
    NODE_ENV: 'test',
    SESSION_SECRET: 'fault-test-session-secret-long-enough-123',
    DATABASE_URL: databaseUrl,
    APP_URL: 'http://localhost:3999',
    ...env,
  });
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const db = createKnex(databaseUrl, config.databasePoolSize, logger);
  const sessions = createSessionStore(databaseUrl, logger, config);
  const app = createApp({ config, db, logger, sessions });
  const server = await listen(app);
  return {
    app,
    config,
    db,
    url: server.url,
    async close() {
      await server.close();
      await sessions.end();
      await db.destroy();
    },
  };
}
