// What routes and controllers are given: built once by bin/server.ts (or a test), passed
// down by createApp. Controllers import this, never routes/ or app.ts.
import type { Knex } from 'knex';
import type { PassportStatic } from 'passport';
import type { Config } from './boot/config.ts';
import type { Logger } from './boot/logger.ts';
import type { SessionStore } from './session/store.ts';

export interface AppDeps {
  config: Config;
  db: Knex;
  logger: Logger;
  sessions: SessionStore;
}

// The web routes also get the app's passport, with its partner and customer strategies.
export interface RouterDeps extends AppDeps {
  passport: PassportStatic;
}
