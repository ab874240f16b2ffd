// axe-core over every page of the registration wizard and the customer Portal, clean and
// with errors, in a JavaScript-enabled context that bypasses the CSP (test/support/axe.ts).
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { paths } from '../../lib/paths.ts';
import { testDatabase } from '../support/hooks.ts';
import { createTestPartner, testConfig, type TestApp, type TestPartner } from '../support/app.ts';
import { startAppInBrowser, stopAppInBrowser, type AppInBrowser, axeContext } from '../support/browser.ts';
import { seriousAxeFindings, type AxeFinding } from '../support/axe.ts';
import { purchaseFor } from '../support/fixtures.ts';
import { requestPasswordReset } from '../../models/passwordResets.ts';
import { recordBackup } from '../../models/installations.ts';
import { ANSWER_1, ANSWER_2, CUSTOMER_PASSWORD, installComputer, pathOf, registeredCustomer, registrationPath } from '../support/customers.ts';
import { SignInPage } from './pages/signInPage.ts';

describe('accessibility (axe-core): the registration wizard and the customer Portal', function () {
  this.timeout(120_000);
  let t: TestApp;
  let server: AppInBrowser['server'];
  let browser: Browser;
  let partner: TestPartner;
  let context: BrowserContext;
  let page: Page;
  let findings: AxeFinding[];
  let audited: string[];

  before(async () => {
    ({ t, server, browser } = await startAppInBrowser());
    partner = await createTestPartner('Accessibility IT');
  });
  beforeEach(async () => {
    context = await axeContext(browser, server.url);
    page = await context.newPage();
    findings = [];
    audited = [];
  });
  afterEach(() => context.close());
  after(async () => {
    await stopAppInBrowser({ t, server, browser });
  });

  async function audit(name: string): Promise<void> {
    findings.push(...(await seriousAxeFindings(page, name)));
    audited.push(name);
  }

  async function visit(url: string, name: string): Promise<void> {
    await page.goto(url);
    await audit(name);
  }

  async function submitEmpty(button: string, name: string): Promise<void> {
    await page.getByRole('button', { name }).click();
    expect(await page.title(), `${name} shows its errors`).to.match(/^Error: /);
    await audit(`${button} with errors`);
  }

  function expectNoFindings(expected: number) {
    expect(audited).to.have.length(expected);
    expect(findings, JSON.stringify(findings, null, 2)).to.deep.equal([]);
  }

  it('finds nothing serious on the wizard steps, clean and with errors', async () => {
    const installed = await purchaseFor(partner);
    await installComputer(installed, 'A11y-PC');
    await visit(await registrationPath(installed.accountId), 'serial number or computer name');
    await page.getByText('Where do I find the serial number?').click();
    await submitEmpty('serial number or computer name', 'Submit');

    await visit(await registrationPath((await purchaseFor(partner)).accountId), 'account information');
    await submitEmpty('account information', 'Submit');

    const pro = await purchaseFor(partner, { productId: 'safe-backup-pro', planId: 'sbp-core', computers: 2 });
    await visit(await registrationPath(pro.accountId), 'personal information');
    await submitEmpty('personal information', 'Continue');
    expectNoFindings(6);
  });

  it('finds nothing serious on the link-state pages', async () => {
    await visit(paths.registration.start('A'.repeat(43)), 'link no longer works');

    const expired = await purchaseFor(partner);
    await testDatabase().db('registration_invitations').where({ customer_account_id: expired.accountId }).update({ expires_at: new Date(Date.now() - 60_000) });
    await visit(await registrationPath(expired.accountId), 'link expired');
    await page.getByRole('button', { name: 'Send me a new link' }).click();
    await audit('new link sent');

    const done = await registeredCustomer(partner);
    await visit(await registrationPath(done.accountId), 'registration already complete');
    await visit(paths.registration.account('no-such-journey'), 'no journey');
    const sameEmail = await purchaseFor(partner, { customerEmail: done.email });
    await visit(await registrationPath(sameEmail.accountId), 'email already has an account');
    expectNoFindings(6);
  });

  it('finds nothing serious on the Portal pages of a Safe and a Safe Backup Pro customer', async () => {
    const safe = await registeredCustomer(partner);
    await installComputer(safe, 'Home-PC');
    const signIn = new SignInPage(page, paths.portal.signIn);
    await visit(paths.portal.signIn, 'sign in');
    await submitEmpty('sign in', 'Sign in');
    await signIn.signIn(safe.email, CUSTOMER_PASSWORD);
    await audit('Safe home');
    await visit(paths.portal.install, 'Install Carbonite');
    await visit(paths.portal.settings, 'settings');
    await visit(paths.portal.changePassword, 'change password');
    await submitEmpty('change password', 'Change password');
    await visit(paths.portal.changeSecurityQuestions, 'change security questions');
    await submitEmpty('change security questions', 'Save security questions');
    await page.getByRole('button', { name: 'Sign out' }).click();

    const pro = await registeredCustomer(partner, { productId: 'safe-backup-pro', planId: 'sbp-core', computers: 3 });
    const office = await installComputer(pro, 'Office-1');
    // A few days of backups, so the Backup Dashboard's chart has bars and missed days to show.
    for (const daysAgo of [6, 3, 2, 0]) {
      await recordBackup(testDatabase().db, office.deviceToken, { completedAt: new Date(Date.now() - daysAgo * 86_400_000 - 60_000), bytes: 2_000_000_000, files: 10 });
    }
    await installComputer(pro, 'Office-2');
    await signIn.open();
    await signIn.signIn(pro.email, CUSTOMER_PASSWORD);
    expect(await page.locator('svg[role="img"]').count()).to.equal(2);
    await audit('Backup Dashboard');
    expectNoFindings(10);
  });

  it('finds nothing serious on the forgotten-password pages', async () => {
    const customer = await registeredCustomer(partner);
    await visit(paths.portal.forgotPassword, 'forgot password');
    await submitEmpty('forgot password', 'Send reset link');
    await page.getByLabel('Email address').fill('someone@example.test');
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await audit('reset link sent');

    await requestPasswordReset(testDatabase().db, customer.email, testConfig());
    const email = await testDatabase().db('outbox_emails').where({ template: 'password-reset', recipient: customer.email }).orderBy('id', 'desc').first('data');
    await visit(pathOf(email.data.resetUrl), 'security question');
    await submitEmpty('security question', 'Continue');
    await page.getByRole('textbox').fill('wrong answer');
    await page.getByRole('button', { name: 'Continue' }).click();
    await audit('security question, wrong answer');
    const [first] = await testDatabase().db('security_questions').orderBy('sort_order').select('text');
    const asked = await page.locator('label[for="field-answer"]').innerText();
    await page.getByRole('textbox').fill(asked.trim() === first.text ? ANSWER_1 : ANSWER_2);
    await page.getByRole('button', { name: 'Continue' }).click();
    await audit('new password');
    await submitEmpty('new password', 'Change password');
    await visit(paths.portal.resetPassword('C'.repeat(43)), 'reset link no longer works');
    expectNoFindings(9);
  });
});
