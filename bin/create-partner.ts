// npm run create-partner -- --company "Acme IT" --name "Pat Lee" --email pat@acme.example --password "..."
// The operator's way to onboard a partner company and its first (owner) user.
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../lib/boot/startup.ts';
import { createLogger } from '../lib/boot/logger.ts';
import { connectDatabase, migrateLatest } from '../lib/db/database.ts';
import { contextWords, hashSecret, passwordProblem } from '../lib/auth/passwords.ts';
import { emailProblem } from '../lib/forms/validation.ts';
import { paths } from '../lib/paths.ts';
import { createPartnerWithOwner, EmailInUseError } from '../models/partners.ts';

const USAGE = 'Usage: npm run create-partner -- --company "Acme IT" --name "Pat Lee" --email pat@acme.example --password "a long passphrase"';

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(1);
}

let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      company: { type: 'string' },
      name: { type: 'string' },
      email: { type: 'string' },
      password: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  }));
} catch (error) {
  fail((error as Error).message);
}

const text = (key: string) => (typeof values[key] === 'string' ? (values[key] as string).trim() : '');
const company = text('company');
const name = text('name');
const email = text('email').toLowerCase();
const password = typeof values.password === 'string' ? values.password : '';

const problems = [
  company === '' ? 'Missing --company (the partner company name)' : company.length > 200 ? '--company must be 200 characters or fewer' : undefined,
  name === '' ? 'Missing --name (the owner’s name)' : name.length > 200 ? '--name must be 200 characters or fewer' : undefined,
  email === '' ? 'Missing --email' : emailProblem(email) ? `--email "${email}" is not a valid email address` : undefined,
  password === '' ? 'Missing --password' : passwordProblem(password, contextWords(email, company)),
].filter(Boolean);
if (problems.length) fail(problems.join('\n'));

const config = loadConfigOrExit();
const logger = createLogger('warn');
const database = await connectDatabase(config, logger, 2);
let failed = false;
try {
  await migrateLatest(database.db);
  const { partnerId, userId } = await createPartnerWithOwner(database.db, { company, name, email, passwordHash: await hashSecret(password) });
  console.log(`Created partner "${company}" (id ${partnerId}) with owner ${name} <${email}> (user id ${userId}).`);
  console.log(`They can sign in at ${config.appUrl}${paths.partner.signIn}`);
} catch (error) {
  if (error instanceof EmailInUseError) {
    console.error(`The email address ${email} is already in use: choose another.`);
  } else {
    console.error(`Could not create the partner: ${(error as Error).message}`);
  }
  failed = true;
} finally {
  await database.close();
}
process.exit(failed ? 1 : 0);
