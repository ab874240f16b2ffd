// For knex's own CLI (run it with NODE_OPTIONS='--import tsx/esm'). The app itself migrates
// from code (`npm run migrate`, and `npm start` before it listens), which also handles the
// embedded database; this file needs DATABASE_URL.
import { migrationsDirectory } from './lib/db/database.ts';

export default {
  client: 'pg',
  connection: process.env.DATABASE_URL,
  migrations: { directory: migrationsDirectory, loadExtensions: ['.ts'] },
};
