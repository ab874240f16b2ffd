// npm run create-partner -- --company "Acme IT" --name "Pat Lee" --email pat@acme.example --password "..."
// The operator's way to onboard a partner company and its first (owner) user.
import { operatorCommand } from '../lib/boot/command.ts';
import { contextWords, hashSecret, passwordProblem } from '../lib/auth/passwords.ts';
import { emailProblem } from '../lib/forms/validation.ts';
import { paths } from '../lib/paths.ts';
import { createPartnerWithOwner, EmailInUseError } from '../models/partners.ts';

const command = operatorCommand(
  'Usage: npm run create-partner -- --company "Acme IT" --name "Pat Lee" --email pat@acme.example --password "a long passphrase"',
  ['company', 'name', 'email', 'password'],
);
const company = command.text('company');
const name = command.text('name');
const email = command.text('email').toLowerCase();
const password = command.asTyped('password');

command.exitOnProblems([
  company === '' ? 'Missing --company (the partner company name)' : company.length > 200 ? '--company must be 200 characters or fewer' : undefined,
  name === '' ? 'Missing --name (the owner’s name)' : name.length > 200 ? '--name must be 200 characters or fewer' : undefined,
  email === '' ? 'Missing --email' : emailProblem(email) ? `--email "${email}" is not a valid email address` : undefined,
  password === '' ? 'Missing --password' : passwordProblem(password, contextWords(email, company)),
]);

await command.run(
  async ({ db, config }) => {
    const { partnerId, userId } = await createPartnerWithOwner(db, { company, name, email, passwordHash: await hashSecret(password) });
    console.log(`Created partner "${company}" (id ${partnerId}) with owner ${name} <${email}> (user id ${userId}).`);
    console.log(`They can sign in at ${config.appUrl}${paths.partner.signIn}`);
  },
  (error) =>
    error instanceof EmailInUseError
      ? `The email address ${email} is already in use: choose another.`
      : `Could not create the partner: ${(error as Error).message}`,
);
