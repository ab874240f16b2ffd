import { execFile } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import supertest from 'supertest';
import { projectRoot } from '../../lib/boot/projectRoot.ts';
import { paths } from '../../lib/paths.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, getForm, submitForm, uniqueEmail } from '../support/app.ts';
import { ANSWER_1, ANSWER_2, pathOf, questionIds, signInCustomer } from '../support/customers.ts';
import { directCustomer } from '../support/directCustomers.ts';
import { requestPasswordReset } from '../../models/passwordResets.ts';

const tsx = path.join(projectRoot, 'node_modules', '.bin', 'tsx');
const PASSWORD = 'a long and quiet river';

function createCustomer(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      tsx,
      [path.join(projectRoot, 'bin', 'create-customer.ts'), ...args],
      { env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: testDatabase().url }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run create-customer (a direct customer of the vendor)', function () {
  this.timeout(60_000);
  const db = () => testDatabase().db;

  it('makes a registered account in no partner with a one-year subscription, prints it, and the customer signs in and chooses security questions first', async () => {
    const email = uniqueEmail('casey');
    const result = await createCustomer(['--name', 'Casey Direct', '--email', email, '--password', PASSWORD, '--product', 'safe-backup-pro', '--computers', '3']);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.include('Created direct customer "Casey Direct"');
    expect(result.stdout).to.include('Safe Backup Pro Core, 3 computers, 1 year');

    const account = await db()('customer_accounts').whereRaw('lower(email) = ?', [email]).first();
    expect(account.partner_id).to.equal(null);
    expect(account.status).to.equal('active');
    expect(account.administrator).to.equal('customer');
    expect(account.registered_at).to.be.instanceOf(Date);
    const subscription = await db()('subscriptions').where({ customer_account_id: account.id }).first();
    expect(subscription.partner_id).to.equal(null);
    expect(subscription.computers_allowed).to.equal(3);
    expect(subscription.term_years).to.equal(1);
    expect(result.stdout).to.include(subscription.key_code);
    const user = await db()('customer_users').where({ customer_account_id: account.id }).first();
    expect(user.security_question_1_id).to.equal(null);

    const t = buildTestApp();
    try {
      const agent = await signInCustomer(t.app, email, PASSWORD);
      // Every Portal page waits until the questions are chosen.
      expect((await agent.get(paths.portal.home).expect(303)).headers.location).to.equal(paths.portal.chooseSecurityQuestions);
      expect((await agent.get(paths.portal.settings).expect(303)).headers.location).to.equal(paths.portal.chooseSecurityQuestions);
      const [first, second] = await questionIds();
      const same = await submitForm(agent, paths.portal.chooseSecurityQuestions, {
        securityQuestion1: String(first),
        securityAnswer1: ANSWER_1,
        securityQuestion2: String(first),
        securityAnswer2: ANSWER_2,
      });
      expect(same.status).to.equal(422);
      expect(same.text).to.include('different from security question 1');
      expect(same.text).to.include(ANSWER_1); // kept
      const saved = await submitForm(agent, paths.portal.chooseSecurityQuestions, {
        securityQuestion1: String(first),
        securityAnswer1: ANSWER_1,
        securityQuestion2: String(second),
        securityAnswer2: ANSWER_2,
      });
      expect(saved.status).to.equal(303);
      expect(saved.headers.location).to.equal(paths.portal.home);
      const home = await agent.get(paths.portal.home).expect(200);
      expect(home.text).to.include('Your security questions have been saved.');
      expect(home.text).to.include('Casey Direct');
      // Chosen once: the page now sends the customer home, and Settings changes them (with the password).
      expect((await agent.get(paths.portal.chooseSecurityQuestions).expect(303)).headers.location).to.equal(paths.portal.home);
      const after = await db()('customer_users').where({ id: user.id }).first();
      expect(after.security_question_1_id).to.equal(first);
      expect(after.security_answer_1_hash).to.match(/^\$2/);
      const audit = await db()('audit_events').where({ customer_account_id: account.id }).orderBy('id').pluck('action');
      expect(audit).to.include.members(['direct_account.created', 'customer.signed_in', 'customer.security_questions_chosen']);
      expect(await db()('audit_events').where({ customer_account_id: account.id }).whereNotNull('partner_id').count('* as n').first()).to.deep.equal({ n: 0 });
    } finally {
      await t.close();
    }
  });

  it('lets a customer with no questions yet reset their password by the emailed link alone', async () => {
    const customer = await directCustomer({ withQuestions: false });
    const t = buildTestApp();
    try {
      await requestPasswordReset(db(), customer.email, { appUrl: 'http://localhost' });
      const email = await db()('outbox_emails').where({ template: 'password-reset' }).whereRaw('lower(recipient) = ?', [customer.email]).first();
      const link = pathOf(email.data.resetUrl);
      const agent = supertest.agent(t.app);
      const page = await getForm(agent, link);
      expect(page.html).to.include('Choose a new password');
      const changed = await submitForm(agent, link, { password: 'another quiet river at noon', confirmPassword: 'another quiet river at noon' });
      expect(changed.status).to.equal(303);
      await signInCustomer(t.app, customer.email, 'another quiet river at noon');
    } finally {
      await t.close();
    }
  });

  const refusals: [string, string[], RegExp][] = [
    ['missing arguments', ['--name', 'Casey'], /Missing --email[\s\S]*Missing --password[\s\S]*Missing --product/],
    ['an unknown option', ['--name', 'A', '--nmae', 'B'], /Unknown option '--nmae'/],
    ['a malformed email', ['--name', 'A', '--email', 'not-an-email', '--password', PASSWORD, '--product', 'safe'], /not a valid email address/],
    ['a short password', ['--name', 'A', '--email', 'short@example.test', '--password', 'short', '--product', 'safe'], /at least 12 characters/],
    ['a common password', ['--name', 'A', '--email', 'common@example.test', '--password', 'qwerty123456', '--product', 'safe'], /too common/],
    ['an unknown product', ['--name', 'A', '--email', 'p@example.test', '--password', PASSWORD, '--product', 'safe-deluxe'], /"safe-deluxe" is not a product/],
    ['an unknown plan', ['--name', 'A', '--email', 'p@example.test', '--password', PASSWORD, '--product', 'safe', '--plan', 'Gold'], /"gold" is not a plan of Safe/],
    ['too many computers for Safe', ['--name', 'A', '--email', 'c@example.test', '--password', PASSWORD, '--product', 'safe', '--computers', '3'], /--computers must be 1 for Safe/],
    ['computers that are not a number', ['--name', 'A', '--email', 'n@example.test', '--password', PASSWORD, '--product', 'safe', '--computers', 'three'], /not a whole number/],
  ];
  for (const [what, args, message] of refusals) {
    it(`exits 1 with a clear message for ${what}, creating nothing`, async () => {
      const before = await db()('customer_accounts').count<{ count: number }[]>('* as count');
      const result = await createCustomer(args);
      expect(result.code).to.equal(1);
      expect(result.stderr).to.match(message);
      expect(result.stderr).to.include('Usage: npm run create-customer');
      const after = await db()('customer_accounts').count<{ count: number }[]>('* as count');
      expect(after[0].count).to.equal(before[0].count);
    });
  }

  it('exits 1 when a customer already uses the email, whatever its case', async () => {
    const existing = await directCustomer();
    const result = await createCustomer(['--name', 'Other', '--email', existing.email.toUpperCase(), '--password', PASSWORD, '--product', 'safe']);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include('already in use');
  });
});
