// npm run create-customer -- --name "Casey Direct" --email casey@direct.example --password "..." --product safe-backup-pro --computers 3
// The operator's way to make a direct customer of the vendor: an account in no partner's
// Portal, registered, with a one-year subscription. The customer chooses their security
// questions at their first Portal sign-in.
import { operatorCommand, refuse } from '../lib/boot/command.ts';
import { contextWords, hashSecret, passwordProblem } from '../lib/auth/passwords.ts';
import { emailProblem } from '../lib/forms/validation.ts';
import { paths } from '../lib/paths.ts';
import { loadCatalog } from '../models/catalog.ts';
import { createDirectAccount, CustomerEmailInUseError } from '../models/directAccounts.ts';

const command = operatorCommand(
  'Usage: npm run create-customer -- --name "Casey Direct" --email casey@direct.example --password "a long passphrase" --product safe-backup-pro --computers 3 [--plan Core]',
  ['name', 'email', 'password', 'product', 'plan', 'computers'],
);
const name = command.text('name');
const email = command.text('email').toLowerCase();
const password = command.asTyped('password');
const productText = command.text('product').toLowerCase();
const planText = command.text('plan').toLowerCase();
const computersText = command.text('computers') || '1';
const computers = /^\d{1,4}$/.test(computersText) ? Number(computersText) : NaN;

command.exitOnProblems([
  name === '' ? 'Missing --name (the customer, a person or a company)' : name.length > 200 ? '--name must be 200 characters or fewer' : undefined,
  email === '' ? 'Missing --email' : emailProblem(email) ? `--email "${email}" is not a valid email address` : undefined,
  password === '' ? 'Missing --password' : passwordProblem(password, contextWords(email, name)),
  productText === '' ? 'Missing --product (safe or safe-backup-pro)' : undefined,
  Number.isNaN(computers) ? `--computers "${computersText}" is not a whole number` : undefined,
]);

await command.run(
  async ({ db, config }) => {
    const catalog = await loadCatalog(db);
    // Products and plans by id or by name, without regard to case; the product's first plan when none is named.
    const product = catalog.products.find((p) => p.id === productText || p.name.toLowerCase() === productText);
    if (!product) refuse(`--product "${productText}" is not a product: choose ${catalog.products.map((p) => p.id).join(' or ')}`);
    const plans = catalog.plans.filter((p) => p.productId === product.id);
    const plan = planText === '' ? plans[0] : plans.find((p) => p.id === planText || p.name.toLowerCase() === planText);
    if (!plan) refuse(`--plan "${planText}" is not a plan of ${product.name}: choose ${plans.map((p) => p.name).join(', ')}`);
    if (computers < product.minComputers || computers > product.maxComputers) {
      refuse(
        product.minComputers === product.maxComputers
          ? `--computers must be ${product.minComputers} for ${product.name}`
          : `--computers must be from ${product.minComputers} to ${product.maxComputers} for ${product.name}`,
      );
    }
    const created = await createDirectAccount(db, { name, email, passwordHash: await hashSecret(password), productId: product.id, planId: plan.id, computers });
    console.log(`Created direct customer "${name}" (account id ${created.accountId}) with user <${email}> (customer user id ${created.customerUserId}).`);
    console.log(`Subscription: ${product.name} ${plan.name}, ${computers} computer${computers === 1 ? '' : 's'}, 1 year until ${created.endsOn}, key code ${created.keyCode}.`);
    console.log(`They sign in at ${config.appUrl}${paths.portal.signIn} and choose their security questions there first.`);
  },
  (error) =>
    error instanceof CustomerEmailInUseError
      ? `The email address ${email} is already in use by a customer: choose another.`
      : `Could not create the customer: ${(error as Error).message}`,
);
