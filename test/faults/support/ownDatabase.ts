// A PostgreSQL of the test's own, for the tests that stop it: the suite's shared database
// must keep running for every other test. Its data folder and port are kept, so it can be
// stopped and started again as the same server.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createKnex, migrateLatest, startEmbeddedPostgres, type EmbeddedDatabase } from '../../../lib/db/database.ts';
import { freePort } from '../../support/hooks.ts';

export interface OwnDatabase {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  // Stops it if running and removes its folder.
  dispose(): Promise<void>;
}

export async function startOwnDatabase(name: string): Promise<OwnDatabase> {
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), `portal-fault-pg-${name}-`));
  await fs.chmod(folder, 0o755);
  const options = { dataDir: path.join(folder, 'data'), port: await freePort(), database: 'portal_fault', persistent: true };
  let running: EmbeddedDatabase | undefined = await startEmbeddedPostgres(options);
  const url = running.url;
  const db = createKnex(url, 2);
  try {
    await migrateLatest(db);
  } finally {
    await db.destroy();
  }
  return {
    url,
    async stop() {
      await running?.stop();
      running = undefined;
    },
    async start() {
      running ??= await startEmbeddedPostgres(options);
    },
    async dispose() {
      await running?.stop();
      running = undefined;
      await fs.rm(folder, { recursive: true, force: true });
    },
  };
}
