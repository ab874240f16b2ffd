// The four journeys of the seed article, in a browser with JavaScript off: from the
// registration email, delivered by the delivery worker to a real SMTP server, to the
// congratulations or the Backup Dashboard; then the partner sees the account active.
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { paths } from '../../lib/paths.ts';
import { createLogger } from '../../lib/boot/logger.ts';
import { createMailer } from '../../lib/mail/transport.ts';
import { createDeliveryWorker, type DeliveryWorker } from '../../lib/mail/deliveryWorker.ts';
import { testDatabase } from '../support/hooks.ts';
import { createTestPartner, testConfig, type TestApp, type TestPartner } from '../support/app.ts';
import { noScriptContext, startAppInBrowser, stopAppInBrowser, type AppInBrowser } from '../support/browser.ts';
import { purchaseFor, type TestAccount } from '../support/fixtures.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtpServer.ts';
import { eventually } from '../support/eventually.ts';
import { CUSTOMER_PASSWORD, installComputer, pathOf } from '../support/customers.ts';
import { AccountInformationPage, ComputerPage, PersonalInformationPage, type SecurityAnswersInput } from './pages/registrationPages.ts';
import { PortalPage } from './pages/portalPages.ts';
import { PartnerAccountPages } from './pages/partnerAccountPages.ts';
import { SignInPage } from './pages/signInPage.ts';

describe('browser, JavaScript off: the four registration journeys of the seed article', function () {
  this.timeout(90_000);
  let t: TestApp;
  let server: AppInBrowser['server'];
  let browser: Browser;
  let smtp: TestSmtpServer;
  let worker: DeliveryWorker;
  let partner: TestPartner;
  let context: BrowserContext;
  let page: Page;
  let answers: SecurityAnswersInput;

  before(async () => {
    ({ t, server, browser } = await startAppInBrowser());
    smtp = await startSmtpServer();
    const config = testConfig({ SMTP_URL: smtp.url });
    worker = createDeliveryWorker({ db: testDatabase().db, mailer: createMailer(config), config, logger: createLogger('silent') }, { pollIntervalMs: 50 });
    partner = await createTestPartner('Article Journeys IT');
    const questions = await testDatabase().db('security_questions').orderBy('sort_order').select('text');
    answers = { question1: questions[0].text, answer1: 'Biscuit', question2: questions[4].text, answer2: 'Volvo' };
  });
  beforeEach(async () => {
    context = await noScriptContext(browser, server.url);
    page = await context.newPage();
  });
  afterEach(() => context.close());
  after(async () => {
    await worker?.stop();
    await smtp?.close();
    await stopAppInBrowser({ t, server, browser });
  });

  // The worker delivers the queued registration email; the link is taken from the message
  // as received (its HTML part's "Complete registration" button), opened on the test server.
  async function openRegistrationEmail(account: TestAccount): Promise<void> {
    const message = await eventually(async () => {
      await worker.runOnce();
      return smtp.deliveredTo(account.email)[0];
    }, 20_000, `the registration email to ${account.email}`);
    expect(message.parsed.subject).to.include('registration');
    const html = String(message.parsed.html);
    const link = /<a href="([^"]+)"[^>]*>Complete registration<\/a>/.exec(html)?.[1];
    expect(link, 'a Complete registration link in the email').to.be.a('string');
    expect(message.parsed.text).to.include(link!.replace(/&amp;/g, '&'));
    await page.goto(pathOf(link!.replace(/&amp;/g, '&')));
  }

  async function partnerSeesActive(account: TestAccount, customerName?: string): Promise<void> {
    const partnerContext = await noScriptContext(browser, server.url);
    try {
      const partnerPage = await partnerContext.newPage();
      const signIn = new SignInPage(partnerPage, paths.partner.signIn);
      await signIn.open();
      await signIn.signIn(partner.email, partner.password);
      const pages = new PartnerAccountPages(partnerPage);
      expect(await pages.accountsRow(account.email)).to.include('Active');
      const dashboard = await pages.dashboard(account.accountId);
      expect(dashboard.Status).to.equal('Active');
      expect(dashboard['Registered on']).to.match(/\d{1,2} \w+ \d{4}/);
      expect(dashboard['Account administrator']).to.equal('Customer');
      if (customerName) expect(dashboard['Customer’s name']).to.equal(customerName);
    } finally {
      await partnerContext.close();
    }
  }

  it('Safe, not installed: Complete registration leads straight to account information, then Submit lands on the congratulations', async () => {
    const account = await purchaseFor(partner, { customerName: 'Avery Safe' });
    await openRegistrationEmail(account);

    const info = new AccountInformationPage(page);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Create your account information');
    expect(await info.email()).to.equal(account.email);
    await info.fill('short', answers);
    await info.submit();
    expect(await page.title()).to.match(/^Error: /);
    expect(await page.getByRole('alert').innerText()).to.include('Password must be at least 12 characters');
    expect(await page.getByLabel('Password', { exact: true }).inputValue()).to.equal('');
    expect(await page.getByLabel('Answer 1').inputValue()).to.equal('Biscuit');

    const step = page.url();
    await info.fill(CUSTOMER_PASSWORD, answers);
    await info.submit();
    expect(new URL(page.url()).pathname).to.equal(paths.portal.home);
    const portal = new PortalPage(page);
    expect(await portal.message()).to.equal('Congratulations, your Carbonite account is complete.');
    expect(await portal.heading()).to.equal('Your Carbonite account');

    // The wizard has forgotten the journey: going back to its step cannot register twice.
    await page.goto(step);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Open your registration link again');
    await partnerSeesActive(account);
  });

  it('Safe, installed: the serial number with its "?" help, Submit, then account information and Submit', async () => {
    const account = await purchaseFor(partner, { customerName: 'Blake Serial' });
    const activation = await installComputer(account, 'Blake-Laptop');
    await openRegistrationEmail(account);

    const computer = new ComputerPage(page);
    expect(await computer.heading().textContent()).to.equal('Enter your serial number or computer name');
    expect(await page.getByText('enter either the Carbonite serial number or the computer name').count()).to.equal(1);
    const help = await computer.openHelp('serial number');
    expect(help).to.include('On Windows:').and.to.include('On a Mac:');
    await computer.enterSerialNumber(activation.serialNumber);
    await computer.submit();

    const info = new AccountInformationPage(page);
    expect(await page.getByRole('link', { name: 'Back' }).getAttribute('href')).to.match(/\/computer$/);
    await info.fill(CUSTOMER_PASSWORD, answers);
    await info.submit();
    const portal = new PortalPage(page);
    expect(await portal.message()).to.equal('Congratulations, your Carbonite account is complete.');
    expect(await page.getByText(activation.serialNumber).count()).to.equal(1);
    await partnerSeesActive(account);
  });

  it('Safe, installed: a wrong computer name is refused with a hint, the right one leads on to Submit and the congratulations', async () => {
    const account = await purchaseFor(partner, { customerName: 'Casey Name' });
    await installComputer(account, 'Casey-iMac', 'mac');
    await openRegistrationEmail(account);

    const computer = new ComputerPage(page);
    expect(await computer.openHelp('computer name')).to.include('System Settings');
    await computer.enterComputerName('Someone-Else');
    await computer.submit();
    expect(await page.title()).to.match(/^Error: /);
    expect(await page.getByRole('alert').innerText()).to.include('This computer name does not match a computer on this subscription');
    expect(await page.getByLabel('Computer name').inputValue()).to.equal('Someone-Else');

    await computer.enterComputerName('casey-imac');
    await computer.submit();
    const info = new AccountInformationPage(page);
    await info.fill(CUSTOMER_PASSWORD, answers);
    await info.submit();
    expect(await new PortalPage(page).message()).to.equal('Congratulations, your Carbonite account is complete.');
    // The name as the computer gave it, once in Your computer (its chart below names it too).
    expect(await page.getByRole('region', { name: 'Your computer' }).getByText('Casey-iMac').count()).to.equal(1);
    await partnerSeesActive(account);
  });

  it('Safe Backup Pro: personal information and Continue land on the Backup Dashboard', async () => {
    const account = await purchaseFor(partner, { customerName: 'Dana Office Ltd', productId: 'safe-backup-pro', planId: 'sbp-power', computers: 10 });
    await installComputer(account, 'Dana-Reception');
    await openRegistrationEmail(account);

    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Enter your personal information');
    const personal = new PersonalInformationPage(page);
    await personal.fill({ firstName: 'Dana', lastName: 'Okafor', phone: '+1 555 010 0142' }, CUSTOMER_PASSWORD, answers);
    await personal.continue();
    expect(new URL(page.url()).pathname).to.equal(paths.portal.home);
    const portal = new PortalPage(page);
    expect(await portal.heading()).to.equal('Backup Dashboard');
    expect(await page.getByText('1 of 10 computers used').count()).to.equal(1);
    expect(await page.getByRole('cell', { name: 'Dana-Reception' }).count()).to.equal(1);
    await partnerSeesActive(account, 'Dana Okafor');
  });
});
