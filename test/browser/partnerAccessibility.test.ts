// axe-core over every page of the Partner Portal's accounts area, clean and with errors, in
// a JavaScript-enabled context that bypasses the CSP (test/support/axe.ts).
import { expect } from 'chai';
import sharp from 'sharp';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { paths } from '../../lib/paths.ts';
import { testDatabase } from '../support/hooks.ts';
import { createTestPartner, type TestApp, type TestPartner } from '../support/app.ts';
import { startAppInBrowser, stopAppInBrowser, type AppInBrowser, axeContext } from '../support/browser.ts';
import { seriousAxeFindings, type AxeFinding } from '../support/axe.ts';
import { purchaseFor } from '../support/fixtures.ts';
import { registeredCustomer } from '../support/customers.ts';
import { activateInstallation, recordBackup } from '../../models/installations.ts';
import { addTeamMember, totpCode } from '../support/team.ts';
import { SignInPage, signInPartner } from './pages/signInPage.ts';
import { clickAndLoad } from './pages/navigation.ts';

describe('accessibility (axe-core): the Partner Portal’s accounts and settings pages', function () {
  this.timeout(120_000);
  let t: TestApp;
  let server: AppInBrowser['server'];
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let partner: TestPartner;
  const findings: AxeFinding[] = [];
  const audited: string[] = [];

  before(async () => {
    ({ t, server, browser } = await startAppInBrowser());
    partner = await createTestPartner('Accessible Accounts IT');
    context = await axeContext(browser, server.url);
    page = await context.newPage();
    await signInPartner(page, partner);
  });
  after(async () => {
    await context?.close();
    await stopAppInBrowser({ t, server, browser });
  });

  async function audit(name: string): Promise<void> {
    findings.push(...(await seriousAxeFindings(page, name)));
    audited.push(name);
  }

  async function visit(url: string, name: string): Promise<void> {
    const res = await page.goto(url);
    expect(res?.status(), name).to.equal(200);
    await audit(name);
  }

  it('finds nothing serious on the list, the purchase, the Dashboard, Install, hand-over and Activity', async () => {
    const administered = await purchaseFor(partner, { customerName: 'Axe Motors', administrator: 'partner', productId: 'safe-backup-pro', planId: 'sbp-core', computers: 3 });
    const managed = await purchaseFor(partner, { customerName: 'Axe Clinic' });
    const { db } = testDatabase();
    const computer = await activateInstallation(db, { keyCode: administered.keyCode, computerName: 'Axe PC', platform: 'windows' });
    await recordBackup(db, computer.deviceToken, { completedAt: new Date(Date.now() - 3_600_000), bytes: 10, files: 1 });

    // One computer 8 days without a backup, so the Overview has a number and a row to show.
    const stale = await activateInstallation(db, { keyCode: administered.keyCode, computerName: 'Axe Laptop', platform: 'mac' });
    await recordBackup(db, stale.deviceToken, { completedAt: new Date(Date.now() - 8 * 86_400_000), bytes: 10, files: 1 });
    await visit(paths.partner.overview, 'Overview');
    await visit(paths.partner.accounts, 'Accounts');
    await visit(`${paths.partner.accounts}?health=not_backing_up&sort=backup`, 'Accounts by backup health');
    await visit(paths.partner.backupMonitoring, 'Backup monitoring');
    await page.getByLabel('Overdue after (days without a backup)').fill('9');
    await page.getByLabel('Not backing up after (days without a backup)').fill('4');
    await clickAndLoad(page, page.getByRole('button', { name: 'Save' }));
    expect(await page.title()).to.match(/^Error: /);
    await audit('Backup monitoring with errors');
    await visit(`${paths.partner.accounts}?q=nothing-matches`, 'Accounts, nothing found');
    await visit(paths.partner.newPurchase, 'New purchase');
    await clickAndLoad(page, page.getByRole('button', { name: 'Continue' }));
    expect(await page.title()).to.match(/^Error: /);
    await audit('New purchase with errors');
    await page.getByLabel('Customer name').fill('Axe Books');
    await page.getByLabel('Customer email').fill('axe.books@example.test');
    await page.getByLabel('Safe', { exact: true }).check();
    await page.getByLabel('Basic', { exact: true }).check();
    await page.getByLabel('1 year').check();
    await page.getByLabel('I will be the account administrator').check();
    await clickAndLoad(page, page.getByRole('button', { name: 'Continue' }));
    await audit('Check the purchase');
    await visit(paths.partner.account(administered.accountId), 'Dashboard, partner-administered, with a computer');
    await visit(paths.partner.account(managed.accountId), 'Dashboard, pending registration');
    await visit(paths.partner.installCarbonite(administered.accountId), 'Install Carbonite');
    await visit(paths.partner.handOver(administered.accountId), 'Hand over');
    await page.getByLabel('Customer email').fill('');
    await clickAndLoad(page, page.getByRole('button', { name: 'Send the registration email' }));
    await audit('Hand over with errors');
    await visit(paths.partner.releaseAccount(administered.accountId), 'Release account, hand over first');
    await visit(paths.partner.releaseAccount(managed.accountId), 'Release account, not registered yet');
    const registered = await registeredCustomer(partner, { customerName: 'Axe Released' });
    await visit(paths.partner.releaseAccount(registered.accountId), 'Release account');
    await clickAndLoad(page, page.getByRole('button', { name: 'Yes, release account' }));
    await audit('Accounts after a release');
    await visit(paths.partner.addExistingCustomer, 'Add an existing customer');
    await clickAndLoad(page, page.getByRole('button', { name: 'Ask the customer' }));
    expect(await page.title()).to.match(/^Error: /);
    await audit('Add an existing customer with errors');
    await visit(paths.partner.activity, 'Activity');

    expect(audited).to.have.length(21);
    expect(findings, JSON.stringify(findings, null, 2)).to.deep.equal([]);
  });

  it('finds nothing serious on Settings, Change your password and the forgotten-password pages', async () => {
    const before = audited.length;
    await visit(paths.partner.settings, 'Settings with recent sign-ins');
    await clickAndLoad(page, page.getByRole('link', { name: 'Change your password' }));
    await audit('Change your password');
    await clickAndLoad(page, page.getByRole('button', { name: 'Change password' }));
    expect(await page.title()).to.match(/^Error: /);
    await audit('Change your password with errors');

    await visit(paths.partner.forgotPassword, 'Forgot your password');
    await clickAndLoad(page, page.getByRole('button', { name: 'Send reset link' }));
    expect(await page.title()).to.match(/^Error: /);
    await audit('Forgot your password with errors');
    await page.getByLabel('Email address').fill(partner.email);
    await clickAndLoad(page, page.getByRole('button', { name: 'Send reset link' }));
    await audit('Reset link sent');
    const email = await testDatabase().db('outbox_emails').where({ template: 'password-reset', recipient: partner.email }).orderBy('id', 'desc').first('data');
    await visit(new URL(email.data.resetUrl).pathname, 'Choose a new password');
    await clickAndLoad(page, page.getByRole('button', { name: 'Change password' }));
    expect(await page.title()).to.match(/^Error: /);
    await audit('Choose a new password with errors');
    const unknown = await page.goto(paths.partner.resetPassword('C'.repeat(43)));
    expect(unknown?.status()).to.equal(404);
    await audit('Reset link no longer works');

    expect(audited.length - before).to.equal(9);
    expect(findings, JSON.stringify(findings, null, 2)).to.deep.equal([]);
  });

  it('finds nothing serious on Orders, its search with errors, a Receipt, Renew and Check the renewal', async () => {
    const before = audited.length;
    const bought = await purchaseFor(partner, { customerName: 'Axe Receipts', administrator: 'partner' });
    const line = await testDatabase().db('order_lines').where({ customer_account_id: bought.accountId }).first('order_id');
    await visit(paths.partner.orders, 'Orders');
    const failed = await page.goto(`${paths.partner.orders}?from=2026-02-30`);
    expect(failed?.status()).to.equal(422);
    await audit('Orders with a date that is not one');
    await visit(paths.partner.order(line.order_id), 'Receipt');
    await visit(paths.partner.renew(bought.accountId), 'Renew');
    await clickAndLoad(page, page.getByRole('button', { name: 'Continue' }));
    expect(await page.title()).to.match(/^Error: /);
    await audit('Renew with errors');
    await page.getByLabel('2 years').check();
    await clickAndLoad(page, page.getByRole('button', { name: 'Continue' }));
    await audit('Check the renewal');
    const pro = await purchaseFor(partner, { customerName: 'Axe Upgrades', administrator: 'partner', productId: 'safe-backup-pro', planId: 'sbp-core', computers: 2 });
    await visit(paths.partner.upgrade(pro.accountId), 'Upgrade');
    await page.getByLabel('Number of computers').fill('1');
    await clickAndLoad(page, page.getByRole('button', { name: 'Continue' }));
    expect(await page.title()).to.match(/^Error: /);
    await audit('Upgrade with errors');
    await page.getByLabel('Power').check();
    await page.getByLabel('Number of computers').fill('4');
    await clickAndLoad(page, page.getByRole('button', { name: 'Continue' }));
    await audit('Check the upgrade');

    expect(audited.length - before).to.equal(9);
    expect(findings, JSON.stringify(findings, null, 2)).to.deep.equal([]);
  });

  it('finds nothing serious on Team, Invite a user, a user, Transfer ownership, the invitation, two-factor set-up, the recovery codes, the code step and the 403 page', async () => {
    const before = audited.length;
    const { db } = testDatabase();
    // A company of its own, so requiring two-factor changes nothing for the tests above.
    const owner = await createTestPartner('Accessible Team IT');
    const admin = await addTeamMember(owner, 'admin');
    await addTeamMember(owner, 'read_only');
    const ownerContext = await axeContext(browser, server.url);
    const adminContext = await axeContext(browser, server.url);
    const guestContext = await axeContext(browser, server.url);
    // This test drives pages of its own contexts through visit() and audit(); the suite's page comes back after.
    const suitePage = page;
    try {
      page = await ownerContext.newPage();
      await signInPartner(page, owner);

      await visit(paths.partner.team, 'Team, no invitations');
      await visit(paths.partner.inviteUser, 'Invite a user');
      await clickAndLoad(page, page.getByRole('button', { name: 'Send the invitation' }));
      expect(await page.title()).to.match(/^Error: /);
      await audit('Invite a user with errors');
      await page.getByLabel('Email address').fill('axe.invitee@example.test');
      await clickAndLoad(page, page.getByRole('button', { name: 'Send the invitation' }));
      expect(new URL(page.url()).pathname).to.equal(paths.partner.team);
      await audit('Team with an invitation and its message');

      await visit(paths.partner.teamUser(admin.userId), 'A team member');
      // Radios cannot be cleared by a person; axe's context has scripts, so the empty choice is sent this way.
      await page.evaluate(() => document.querySelectorAll<HTMLInputElement>('input[name=role]').forEach((radio) => (radio.checked = false)));
      await clickAndLoad(page, page.getByRole('button', { name: 'Change role' }));
      expect(await page.title()).to.match(/^Error: /);
      await audit('A team member with errors');
      await visit(paths.partner.transferOwnership, 'Transfer ownership');
      await clickAndLoad(page, page.getByRole('button', { name: 'Transfer ownership' }));
      expect(await page.title()).to.match(/^Error: /);
      await audit('Transfer ownership with errors');

      await visit(paths.partner.twoFactorSetUp, 'Set up two-factor sign-in');
      await clickAndLoad(page, page.getByRole('button', { name: 'Turn on two-factor sign-in' }));
      expect(await page.title()).to.match(/^Error: /);
      await audit('Set up two-factor sign-in with errors');
      const setupKey = (await page.locator('code.secret-key').textContent()) ?? '';
      await page.getByLabel('Code from your authenticator app').fill(totpCode(setupKey));
      await clickAndLoad(page, page.getByRole('button', { name: 'Turn on two-factor sign-in' }));
      expect(new URL(page.url()).pathname).to.equal(paths.partner.recoveryCodes);
      await audit('Your recovery codes');
      await visit(paths.partner.settings, 'Settings with two-factor on');
      await visit(paths.partner.team, 'Team, owner with two-factor');
      await clickAndLoad(page, page.getByRole('button', { name: 'Require two-factor sign-in for everyone' }));

      // The administrator signs in after that: set-up is the only way on.
      page = await adminContext.newPage();
      const adminSignIn = new SignInPage(page, paths.partner.signIn);
      await adminSignIn.open();
      await adminSignIn.signIn(admin.email, admin.password);
      await page.waitForURL((url) => url.pathname === paths.partner.signInSetUpTwoFactor);
      await audit('Set up two-factor sign-in, required by the company');
      await clickAndLoad(page, page.getByRole('button', { name: 'Turn on two-factor sign-in' }));
      expect(await page.title()).to.match(/^Error: /);
      await audit('Set up two-factor sign-in, required, with errors');

      // The owner signs in again elsewhere: the code step.
      page = await guestContext.newPage();
      const again = new SignInPage(page, paths.partner.signIn);
      await again.open();
      await again.signIn(owner.email, owner.password);
      await page.waitForURL((url) => url.pathname === paths.partner.signInCode);
      await audit('Enter your two-factor code');
      await page.getByLabel('Code', { exact: true }).fill('000000');
      await clickAndLoad(page, page.getByRole('button', { name: 'Continue' }));
      expect(await page.title()).to.match(/^Error: /);
      await audit('Enter your two-factor code with errors');
      await page.getByLabel('Code', { exact: true }).fill(totpCode(setupKey, Date.now() + 30_000));
      await clickAndLoad(page, page.getByRole('button', { name: 'Continue' }));
      expect(new URL(page.url()).pathname).to.equal(paths.partner.overview);
      await page.getByRole('button', { name: 'Sign out' }).click();

      // The invitation's pages, signed out.
      const email = await db('outbox_emails').where({ template: 'partner-invitation', recipient: 'axe.invitee@example.test' }).orderBy('id', 'desc').first('data');
      await visit(new URL(email.data.acceptUrl).pathname, 'Join the company');
      await clickAndLoad(page, page.getByRole('button', { name: 'Join Accessible Team IT' }));
      expect(await page.title()).to.match(/^Error: /);
      await audit('Join the company with errors');
      const unknown = await page.goto(paths.partner.acceptInvitation('C'.repeat(43)));
      expect(unknown?.status()).to.equal(404);
      await audit('Invitation no longer works');

      // A read-only user at New purchase.
      const readOnly = await addTeamMember(partner, 'read_only');
      await again.open();
      await again.signIn(readOnly.email, readOnly.password);
      await page.waitForURL((url) => url.pathname === paths.partner.overview);
      const forbidden = await page.goto(paths.partner.newPurchase);
      expect(forbidden?.status()).to.equal(403);
      await audit('You do not have access to this');
    } finally {
      page = suitePage;
      await Promise.all([ownerContext.close(), adminContext.close(), guestContext.close()]);
    }

    expect(audited.length - before).to.equal(21);
    expect(findings, JSON.stringify(findings, null, 2)).to.deep.equal([]);
  });

  it('finds nothing serious on Change your name, Change your email address, its confirmation and its dead link', async () => {
    const before = audited.length;
    await visit(paths.partner.changeName, 'Change your name');
    await page.getByLabel('Your name').fill('');
    await clickAndLoad(page, page.getByRole('button', { name: 'Save your name' }));
    expect(await page.title()).to.match(/^Error: /);
    await audit('Change your name with errors');
    await visit(paths.partner.changeEmail, 'Change your email address');
    await clickAndLoad(page, page.getByRole('button', { name: 'Send the confirmation link' }));
    expect(await page.title()).to.match(/^Error: /);
    await audit('Change your email address with errors');
    await page.getByLabel('New email address').fill('axe.moved@example.test');
    await page.getByLabel('Your password').fill(partner.password);
    await clickAndLoad(page, page.getByRole('button', { name: 'Send the confirmation link' }));
    await audit('Settings with an email change waiting');
    const email = await testDatabase().db('outbox_emails').where({ template: 'partner-email-change', recipient: 'axe.moved@example.test' }).orderBy('id', 'desc').first('data');
    await visit(new URL(email.data.confirmUrl).pathname, 'Confirm your new email address');
    const unknown = await page.goto(paths.partner.confirmEmailChange('C'.repeat(43)));
    expect(unknown?.status()).to.equal(404);
    await audit('Email change link no longer works');

    expect(audited.length - before).to.equal(7);
    expect(findings, JSON.stringify(findings, null, 2)).to.deep.equal([]);
  });

  it('finds nothing serious on the Company profile, with errors, with a logo and with a refused logo', async () => {
    const before = audited.length;
    await visit(paths.partner.company, 'Company profile');
    await page.getByLabel('Company name').fill('');
    await page.getByLabel('Support email address').fill('help@');
    await clickAndLoad(page, page.getByRole('button', { name: 'Save the company profile' }));
    expect(await page.title()).to.match(/^Error: /);
    await audit('Company profile with errors');
    await page.goto(paths.partner.company);
    await page.locator('input[type=file]').and(page.getByLabel('Logo', { exact: true })).setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: await sharp({ create: { width: 300, height: 100, channels: 3, background: '#0b5cad' } }).png().toBuffer() });
    await clickAndLoad(page, page.getByRole('button', { name: 'Upload logo' }));
    expect(await page.getByRole('img', { name: 'Accessible Accounts IT logo' }).count()).to.equal(1);
    await audit('Company profile with a logo');
    await page.getByLabel('A new logo').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>') });
    await clickAndLoad(page, page.getByRole('button', { name: 'Upload logo' }));
    expect(await page.title()).to.match(/^Error: /);
    await audit('Company profile with a refused logo');

    expect(audited.length - before).to.equal(4);
    expect(findings, JSON.stringify(findings, null, 2)).to.deep.equal([]);
  });
});
