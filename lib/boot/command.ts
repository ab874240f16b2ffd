// An operator's command (npm run create-partner, create-customer): its options read strictly,
// bad input answered with the problem, the usage line and exit code 1, and the database
// opened for the action alone and closed whatever happens.
import { parseArgs } from 'node:util';
import type { Config } from './config.ts';
import { createLogger } from './logger.ts';
import { loadConfigOrExit } from './startup.ts';
import { connectDatabase, migrateLatest, type Knex } from '../db/database.ts';

export interface OperatorCommand {
  // An option's value trimmed, '' when it was not given.
  text(option: string): string;
  // An option's value as typed (a password keeps its spaces), '' when it was not given.
  asTyped(option: string): string;
  // Exits 1 with every problem found and the usage line; returns when there are none.
  exitOnProblems(problems: (string | undefined)[]): void;
  // Runs the action on a migrated database, then exits: 0, or 1 with refuse()'s message and
  // the usage line, or with describeFailure's line for anything else the action throws.
  run(action: (context: { db: Knex; config: Config }) => Promise<void>, describeFailure: (error: unknown) => string): Promise<never>;
}

// Bad input seen only once the database is read (an unknown product): answered like bad arguments.
class UsageError extends Error {}

export function refuse(message: string): never {
  throw new UsageError(message);
}

// Every option is a string (--name "Pat Lee"); an unknown option or a positional is refused.
export function operatorCommand(usage: string, optionNames: readonly string[]): OperatorCommand {
  const fail = (message: string): never => {
    console.error(`${message}\n${usage}`);
    process.exit(1);
  };

  let values: Record<string, string | boolean | undefined> = {};
  try {
    const options = Object.fromEntries(optionNames.map((name) => [name, { type: 'string' as const }]));
    ({ values } = parseArgs({ options, strict: true, allowPositionals: false }));
  } catch (error) {
    fail((error as Error).message);
  }

  const asTyped = (option: string) => (typeof values[option] === 'string' ? (values[option] as string) : '');
  return {
    text: (option) => asTyped(option).trim(),
    asTyped,
    exitOnProblems(problems) {
      const found = problems.filter(Boolean);
      if (found.length) fail(found.join('\n'));
    },
    async run(action, describeFailure) {
      const config = loadConfigOrExit();
      const database = await connectDatabase(config, createLogger('warn'), 2);
      let failed = false;
      try {
        await migrateLatest(database.db);
        await action({ db: database.db, config });
      } catch (error) {
        console.error(error instanceof UsageError ? `${error.message}\n${usage}` : describeFailure(error));
        failed = true;
      } finally {
        await database.close();
      }
      process.exit(failed ? 1 : 0);
    },
  };
}
