import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { paths } from '../../lib/paths.ts';
import { testDatabase } from '../support/hooks.ts';
import { createTestPartner, uniqueEmail, type TestApp, type TestPartner } from '../support/app.ts';
import { axeContext, noScriptContext, startAppInBrowser, stopAppInBrowser, type AppInBrowser } from '../support/browser.ts';
import { seriousAxeFindings, type AxeFinding } from '../support/axe.ts';
import { signInPartner } from './pages/signInPage.ts';
import { AccountDashboardPage } from './pages/accountDashboardPage.ts';
import { OrdersPage } from './pages/partnerOrderPages.ts';
import { StartTrialPage, UpgradeTrialPage } from './pages/partnerTrialPages.ts';
import { clickAndLoad } from './pages/navigation.ts';

const db = () => testDatabase().db;
const DAY = 86_400_000;
const dateText = (date: Date) => new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(date);

describe('browser, JavaScript off: a partner starts a trial, sees it as Trial, upgrades it to paid and finds the order and its receipt', function () {
  this.timeout(120_000);
  let t: TestApp;
  let server: AppInBrowser['server'];
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let partner: TestPartner;

  before(async () => {
    ({ t, server, browser } = await startAppInBrowser());
    partner = await createTestPartner('Browser Trials IT');
  });
  after(async () => {
    await stopAppInBrowser({ t, server, browser });
  });

  it('starts a 30-day trial from the Accounts tab, lists it as Trial, upgrades it to 2 paid years once, with the same key code, and finds the order', async () => {
    context = await noScriptContext(browser, server.url);
    try {
      page = await context.newPage();
      await signInPartner(page, partner);
      await clickAndLoad(page, page.getByRole('link', { name: 'Accounts', exact: true }).first());
      await clickAndLoad(page, page.getByRole('link', { name: 'Start a trial' }).first());
      expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Start a trial');
      expect(await page.getByRole('group', { name: 'Term' }).count(), 'a trial has no term to choose').to.equal(0);

      // Too many computers for a trial: the message on the page, the values kept.
      const email = uniqueEmail('maple');
      const form = new StartTrialPage(page);
      await form.fill({ customerName: 'Maple Architects', customerEmail: email, product: 'Safe Backup Pro', plan: 'Core', computers: '12', administrator: 'I will be the account administrator' });
      await form.continue();
      expect(await page.title()).to.match(/^Error: Start a trial/);
      expect(await page.getByRole('alert').innerText()).to.include('Number of computers must be between 1 and 10');
      expect(await page.getByLabel('Customer name').inputValue()).to.equal('Maple Architects');
      await page.getByLabel('Number of computers').fill('3');
      await form.continue();

      const now = new Date();
      const trialEnd = dateText(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 30)));
      expect(await form.review()).to.include({ Trial: `30 days, from ${dateText(now)} to ${trialEnd}`, 'Number of computers': '3', Total: 'Free: no order' });
      await form.start();

      const dashboard = new AccountDashboardPage(page);
      expect(await dashboard.message()).to.include(`Trial started: free until ${trialEnd}.`);
      const accountId = dashboard.accountId();
      const trial = await dashboard.section('Subscription');
      expect(trial).to.include({ Status: 'Trial', Term: 'Free trial', 'Ends on': trialEnd });
      expect(await page.getByRole('link', { name: 'Renew', exact: true }).count(), 'a trial is not renewed').to.equal(0);

      // The Accounts list: Trial, with its count and its end date.
      await clickAndLoad(page, page.getByRole('link', { name: 'Accounts', exact: true }).first());
      await clickAndLoad(page, page.getByRole('link', { name: 'Trial (1)' }));
      const row = page.getByRole('row', { name: /Maple Architects/ });
      expect(await row.innerText()).to.match(/Trial/);
      expect(await row.innerText()).to.include(trialEnd);

      // Upgrade to a paid subscription: Power, 4 computers, 2 years.
      await clickAndLoad(page, page.getByRole('link', { name: 'Maple Architects' }));
      await clickAndLoad(page, page.getByRole('link', { name: 'Upgrade to a paid subscription' }).first());
      const upgrade = new UpgradeTrialPage(page);
      await upgrade.choose({ plan: 'Power', computers: '4', term: '2 years' });
      const paidEnd = dateText(new Date(Date.UTC(now.getUTCFullYear() + 2, now.getUTCMonth(), now.getUTCDate())));
      expect(await upgrade.review()).to.include({ Plan: 'Power ($479.99 per computer per year)', Computers: '4', 'New end date': paidEnd, Price: '$3,839.92' });
      await upgrade.upgrade();
      expect(await dashboard.message()).to.include(`Upgraded to a paid subscription until ${paidEnd}. The key code and the computers stay the same.`);
      expect(await dashboard.section('Subscription')).to.include({ Status: 'Active', Term: '2 years', 'Ends on': paidEnd, 'Key code': trial['Key code'] });

      // The review page again (the back button): the account, nothing more ordered.
      await page.goto(paths.partner.reviewTrialUpgrade(accountId));
      expect(new URL(page.url()).pathname).to.equal(paths.partner.account(accountId));
      const orders = await db()('orders as o').join('order_lines as l', 'l.order_id', 'o.id').where({ 'l.customer_account_id': accountId }).select('o.id', 'o.kind');
      expect(orders.map((o) => o.kind)).to.deep.equal(['trial_conversion']);
      const orderId = orders[0].id as number;

      // The Orders tab and the Receipt.
      await clickAndLoad(page, page.getByRole('link', { name: 'Orders', exact: true }).first());
      const ordersPage = new OrdersPage(page);
      const [newest] = await ordersPage.rows();
      expect(newest[0]).to.match(new RegExp(`^Order ${orderId}\\b`));
      expect(newest.slice(2)).to.deep.equal(['Trial upgraded to paid', 'Maple Architects', 'Pat Partner', '$3,839.92']);
      await ordersPage.openReceipt(orderId);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal(`Receipt for order ${orderId}`);
      expect(await page.locator('table').innerText()).to.include('$3,839.92');

      const confirmation = await db()('outbox_emails').where({ template: 'order-confirmation', recipient: partner.email }).whereRaw(`data->>'orderNumber' = ?`, [String(orderId)]);
      expect(confirmation).to.have.length(1);
    } finally {
      await context.close();
    }
  });

  it('finds nothing serious with axe on Start a trial, its review, a trial’s Dashboard, Upgrade to a paid subscription and its review, clean and with errors', async () => {
    const axe = await axeContext(browser, server.url);
    const findings: AxeFinding[] = [];
    try {
      const axePage = await axe.newPage();
      await signInPartner(axePage, partner);
      const audit = async (name: string) => findings.push(...(await seriousAxeFindings(axePage, name)));

      await axePage.goto(paths.partner.newTrial);
      await audit('Start a trial');
      await clickAndLoad(axePage, axePage.getByRole('button', { name: 'Continue' }));
      expect(await axePage.title()).to.match(/^Error: /);
      await audit('Start a trial, with errors');
      const form = new StartTrialPage(axePage);
      await form.fill({ customerName: 'Axe Bakery', customerEmail: uniqueEmail('axe-trial'), product: 'Safe', plan: 'Basic', administrator: 'Allow the customer to manage their own account' });
      await form.continue();
      await audit('Check the trial');
      await form.start();
      const accountId = new AccountDashboardPage(axePage).accountId();
      await audit('A trial’s Dashboard');
      await axePage.goto(`${paths.partner.accounts}?status=trial`);
      await audit('Accounts, Trial filter');
      await axePage.goto(paths.partner.upgradeTrial(accountId));
      await audit('Upgrade to a paid subscription');
      await clickAndLoad(axePage, axePage.getByRole('button', { name: 'Continue' }));
      expect(await axePage.title()).to.match(/^Error: /);
      await audit('Upgrade to a paid subscription, with errors');
      await new UpgradeTrialPage(axePage).choose({ term: '1 year' });
      await audit('Check the upgrade to a paid subscription');
      // An ended trial's Dashboard warns and still offers the upgrade.
      await db()('subscriptions').where({ customer_account_id: accountId }).update({ ends_on: new Date(Date.now() - 2 * DAY).toISOString().slice(0, 10) });
      await axePage.goto(paths.partner.account(accountId));
      await audit('An ended trial’s Dashboard');
      await axePage.goto(paths.partner.overview);
      await audit('Overview');
    } finally {
      await axe.close();
    }
    expect(findings).to.deep.equal([]);
  });
});
