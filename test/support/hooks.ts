// Root hooks: one real PostgreSQL (embedded) with a fresh database for each test run,
// migrated once; closed and removed at the end. No test switches anything off.
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createKnex, migrateLatest, startEmbeddedPostgres, type EmbeddedDatabase, type Knex } from '../../lib/db/database.ts';

interface TestDatabase {
  url: string;
  db: Knex;
  embedded: EmbeddedDatabase;
  dataDir: string;
}

let current: TestDatabase | undefined;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function testDatabase(): TestDatabase {
  if (!current) throw new Error('The test database is not started: run tests through mocha with test/support/hooks.ts');
  return current;
}

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(120_000);
    if (current) return;
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'portal-test-pg-'));
    await fs.chmod(dataDir, 0o755);
    const embedded = await startEmbeddedPostgres({
      dataDir: path.join(dataDir, 'data'),
      port: await freePort(),
      database: 'portal_test',
      persistent: false,
    });
    const db = createKnex(embedded.url, 20);
    await migrateLatest(db);
    current = { url: embedded.url, db, embedded, dataDir };
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    if (!current) return;
    const { db, embedded, dataDir } = current;
    current = undefined;
    await db.destroy();
    await embedded.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  },
};
