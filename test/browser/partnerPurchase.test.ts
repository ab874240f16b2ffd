import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { paths } from '../../lib/paths.ts';
import { projectRoot } from '../../lib/boot/projectRoot.ts';
import { testDatabase } from '../support/hooks.ts';
import { createTestPartner, uniqueEmail, type TestApp, type TestPartner } from '../support/app.ts';
import { noScriptContext, startAppInBrowser, stopAppInBrowser, type AppInBrowser } from '../support/browser.ts';
import { signInPartner } from './pages/signInPage.ts';
import { NewPurchasePage, ReviewPurchasePage } from './pages/partnerPurchasePages.ts';
import { AccountDashboardPage, AccountsPage, InstallPage } from './pages/accountDashboardPage.ts';
import { clickAndLoad } from './pages/navigation.ts';

const run = promisify(execFile);

describe('browser, JavaScript off: a partner buys, finds the account, installs and resends', function () {
  this.timeout(120_000);
  let t: TestApp;
  let server: AppInBrowser['server'];
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let partner: TestPartner;

  before(async () => {
    ({ t, server, browser } = await startAppInBrowser());
    partner = await createTestPartner('Browser Purchase IT');
  });
  beforeEach(async () => {
    context = await noScriptContext(browser, server.url);
    page = await context.newPage();
    await signInPartner(page, partner);
    // The Overview is where sign-in lands; purchases start from the Accounts tab.
    await page.goto(paths.partner.accounts);
  });
  afterEach(() => context.close());
  after(async () => {
    await stopAppInBrowser({ t, server, browser });
  });

  it('buys Safe as the account administrator, follows Install Carbonite, and sees the computer appear after `npm run client -- activate`', async () => {
    const email = uniqueEmail('river');
    await clickAndLoad(page, page.getByRole('link', { name: 'New purchase' }).first());
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('New purchase');

    const form = new NewPurchasePage(page);
    await form.fill({ customerName: 'River Books', customerEmail: 'river books at example', product: 'Safe', plan: 'Plus', term: '1 year', administrator: 'I will be the account administrator' });
    await form.continue();
    expect(await page.title()).to.match(/^Error: New purchase/);
    expect(await page.getByRole('alert').innerText()).to.include('Enter the customer email address in the correct format, like name@example.com');
    expect(await page.getByLabel('Customer name').inputValue()).to.equal('River Books');
    expect(await page.getByRole('group', { name: 'Plan' }).getByLabel('Plus', { exact: true }).isChecked()).to.equal(true);
    await page.getByLabel('Customer email').fill(email);
    await form.continue();

    const review = new ReviewPurchasePage(page);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Check the purchase');
    const summary = await review.summary();
    expect(summary).to.include({
      'Customer name': 'River Books',
      'Customer email': email,
      Product: 'Safe',
      Plan: 'Plus ($111.99 per computer per year)',
      'Number of computers': '1',
      'Account administrator': 'I will be the account administrator',
      Total: '$111.99',
    });
    await review.complete();

    const dashboard = new AccountDashboardPage(page);
    expect(await dashboard.message()).to.include('Purchase complete. You are the account administrator');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('River Books');
    const subscription = await dashboard.section('Subscription');
    expect(subscription).to.include({ Product: 'Safe', Plan: 'Plus', Computers: '0 of 1 used', Status: 'Active', 'Account administrator': 'Partner (you)' });
    const keyCode = subscription['Key code'];
    expect(keyCode).to.match(/^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$/);
    const accountId = dashboard.accountId();
    expect(await testDatabase().db('outbox_emails').where({ customer_account_id: accountId })).to.have.length(0);

    // The account is in the Accounts tab.
    const accounts = new AccountsPage(page);
    await clickAndLoad(page, page.getByRole('link', { name: 'Accounts', exact: true }).first());
    await accounts.filter({ search: 'river BOOKS' });
    const rows = await accounts.rows();
    expect(rows).to.have.length(1);
    expect(rows[0]).to.deep.equal(['River Books', email, 'Safe Plus', '0 of 1', 'Partner', 'Active', 'No computers', rows[0][7]]);
    await accounts.openAccount('River Books');

    await dashboard.installCarbonite();
    const install = new InstallPage(page);
    expect(await install.heading()).to.equal('Install Carbonite');
    expect(await install.keyCode()).to.equal(keyCode);
    const windows = await install.steps('Install on Windows');
    const mac = await install.steps('Install on a Mac');
    expect(windows.length).to.be.greaterThan(3);
    expect(mac.length).to.be.greaterThan(3);
    expect(windows.join(' ')).to.include(keyCode);
    expect(mac.join(' ')).to.include(keyCode);
    expect(await install.downloadLink('Download Carbonite for Windows')).to.equal(t.config.downloadUrlWindows);
    expect(await install.downloadLink('Download Carbonite for Mac')).to.equal(t.config.downloadUrlMac);

    // The customer's computer runs the installer: the client stand-in activates it over HTTP.
    const { stdout } = await run('npm', ['run', '--silent', 'client', '--', 'activate', '--key-code', keyCode.toLowerCase(), '--computer-name', 'Reading Room PC', '--platform', 'windows'], {
      cwd: projectRoot,
      env: { ...process.env, APP_URL: server.url, NODE_ENV: 'test' },
    });
    const serialNumber = /Serial number: (\S+)/.exec(stdout)?.[1];
    expect(serialNumber, stdout).to.be.a('string');

    await clickAndLoad(page, page.getByRole('link', { name: 'Back to the Dashboard' }));
    expect(await dashboard.computers()).to.deep.equal([['Reading Room PC', 'Windows', serialNumber!, (await dashboard.computers())[0][3], 'No backup yet']]);
    expect((await dashboard.section('Subscription')).Computers).to.equal('1 of 1 used');
  });

  it('buys Safe Backup Pro for a customer who manages it: Pending registration, then Resend registration email; going back and completing again buys nothing more', async () => {
    const email = uniqueEmail('clinic');
    await page.goto(paths.partner.newPurchase);
    const form = new NewPurchasePage(page);
    await form.fill({ customerName: 'Cedar Clinic', customerEmail: email, product: 'Safe Backup Pro', plan: 'Core', computers: '4', term: '2 years', administrator: 'Allow the customer to manage their own account' });
    await form.continue();
    const review = new ReviewPurchasePage(page);
    expect((await review.summary()).Total).to.equal('$2,303.92');
    // Change the number of computers: the form comes back with everything kept.
    await review.change('number of computers');
    expect(await page.getByLabel('Customer name').inputValue()).to.equal('Cedar Clinic');
    expect(await page.getByLabel('Allow the customer to manage their own account').isChecked()).to.equal(true);
    await page.getByLabel('Number of computers').fill('5');
    await form.continue();
    expect((await review.summary())['Number of computers']).to.equal('5');
    await review.complete();

    const dashboard = new AccountDashboardPage(page);
    const accountId = dashboard.accountId();
    expect(await dashboard.message()).to.equal(`Purchase complete. A registration email is on its way to ${email}.`);
    expect(await dashboard.section('Subscription')).to.include({ Status: 'Pending registration', 'Account administrator': 'Customer', Computers: '0 of 5 used', Term: '2 years' });
    const registration = await dashboard.section('Registration');
    expect(registration['Registration email']).to.include(email);
    expect(registration['Registration link']).to.match(/^Works until /);

    // The back button to the review page: Partner Portal pages are never stored (no-store), so
    // the browser asks again, and the completed purchase answers with its account, not a form
    // that could buy twice. (A repeated POST of the review page is refused in purchase.test.ts.)
    await page.goBack();
    expect(dashboard.accountId()).to.equal(accountId);
    expect(await dashboard.message()).to.equal('This purchase is complete. Here is the account.');
    // A refresh of the review page now shows the account as well.
    await page.goto(paths.partner.reviewPurchase);
    expect(dashboard.accountId()).to.equal(accountId);
    const { db } = testDatabase();
    expect(await db('customer_accounts').where({ partner_id: partner.partnerId, name: 'Cedar Clinic' })).to.have.length(1);

    const accounts = new AccountsPage(page);
    await accounts.open();
    await accounts.filter({ search: email, status: 'Pending registration', product: 'Safe Backup Pro', administrator: 'Customer' });
    const rows = await accounts.rows();
    expect(rows.map((r) => [r[0], r[5]])).to.deep.equal([['Cedar Clinic', 'Pending registration']]);
    await accounts.openAccount('Cedar Clinic');

    await dashboard.resendRegistrationEmail();
    expect(await dashboard.message()).to.match(new RegExp(`^A new registration email is on its way to ${email.replace(/\./g, '\\.')}\\.`));
    const invitations = await db('registration_invitations').where({ customer_account_id: accountId }).orderBy('id');
    expect(invitations.map((i) => i.voided_at === null)).to.deep.equal([false, true]);
    expect(await db('outbox_emails').where({ customer_account_id: accountId })).to.have.length(2);
    expect((await dashboard.section('Subscription')).Status).to.equal('Pending registration');
  });
});
