import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { paths } from '../../lib/paths.ts';
import { testDatabase } from '../support/hooks.ts';
import { createTestPartner, type TestApp, type TestPartner } from '../support/app.ts';
import { noScriptContext, startAppInBrowser, stopAppInBrowser, type AppInBrowser } from '../support/browser.ts';
import { purchaseFor } from '../support/fixtures.ts';
import { SignInPage } from './pages/signInPage.ts';
import { AccountDashboardPage } from './pages/accountDashboardPage.ts';
import { OrdersPage, RenewPage } from './pages/partnerOrderPages.ts';
import { clickAndLoad } from './pages/navigation.ts';

const db = () => testDatabase().db;

describe('browser, JavaScript off: a partner renews an expired subscription, turns auto-renew on and off, and finds the order and its receipt', function () {
  this.timeout(120_000);
  let t: TestApp;
  let server: AppInBrowser['server'];
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let partner: TestPartner;

  before(async () => {
    ({ t, server, browser } = await startAppInBrowser());
    partner = await createTestPartner('Browser Renewals IT');
    context = await noScriptContext(browser, server.url);
    page = await context.newPage();
    const signIn = new SignInPage(page, paths.partner.signIn);
    await signIn.open();
    await signIn.signIn(partner.email, partner.password);
    await page.waitForURL((url) => url.pathname !== paths.partner.signIn);
  });
  after(async () => {
    await context?.close();
    await stopAppInBrowser({ t, server, browser });
  });

  it('renews for 2 years from today, once, with the same key code; auto-renew on and off; the order in Orders with its Receipt and email', async () => {
    const account = await purchaseFor(partner, { customerName: 'Willow Pottery', administrator: 'partner', productId: 'safe-backup-pro', planId: 'sbp-core', computers: 3 });
    await db()('subscriptions').where({ id: account.subscriptionId }).update({ ends_on: '2025-06-30' });
    const dashboard = new AccountDashboardPage(page);
    await dashboard.open(account.accountId);
    expect((await dashboard.section('Subscription')).Status).to.equal('Expired');
    expect(await page.getByRole('button', { name: 'Enable auto-renew' }).count(), 'an ended subscription is renewed first').to.equal(0);

    // Renew, with nothing chosen first: the error on the page, then 2 years.
    await clickAndLoad(page, page.getByRole('link', { name: 'Renew', exact: true }).first());
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Renew');
    await clickAndLoad(page, page.getByRole('button', { name: 'Continue' }));
    expect(await page.title()).to.match(/^Error: Renew/);
    expect(await page.getByRole('alert').innerText()).to.include('Choose how many years to renew for');
    const renew = new RenewPage(page);
    await renew.choose('2 years');
    const now = new Date();
    const newEnd = new Date(Date.UTC(now.getUTCFullYear() + 2, now.getUTCMonth(), now.getUTCDate()));
    const endText = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(newEnd);
    const review = await renew.review();
    expect(review).to.include({ 'Renew for': '2 years', 'New end date': endText, Price: '$1,727.94', 'Current end date': '30 June 2025 (ended)' });
    await renew.renew();

    expect(await dashboard.message()).to.include(`Renewed: the subscription now ends on ${endText}.`);
    const subscription = await dashboard.section('Subscription');
    expect(subscription).to.include({ Status: 'Active', 'Key code': account.keyCode });

    // The review page again (a refresh, the back button): it shows the account, nothing more is renewed.
    await page.goto(paths.partner.reviewRenewal(account.accountId));
    expect(new URL(page.url()).pathname).to.equal(paths.partner.account(account.accountId));
    expect(await dashboard.message()).to.equal('This renewal is complete. Here is the account.');
    const renewals = await db()('orders as o').join('order_lines as l', 'l.order_id', 'o.id').where({ 'l.customer_account_id': account.accountId, 'o.kind': 'renewal' }).select('o.id');
    expect(renewals).to.have.length(1);
    const orderId = renewals[0].id as number;

    // Enable auto-renew, then Disable auto-renew.
    await clickAndLoad(page, page.getByRole('button', { name: 'Enable auto-renew' }));
    expect(await dashboard.message()).to.match(/^Auto-renew is on: the subscription renews for another 1 year on /);
    expect(await page.getByRole('region', { name: 'Auto-renew' }).innerText()).to.include('On');
    await clickAndLoad(page, page.getByRole('button', { name: 'Disable auto-renew' }));
    expect(await dashboard.message()).to.equal('Auto-renew is off: the subscription ends on its end date unless you renew it.');
    expect(await page.getByRole('button', { name: 'Enable auto-renew' }).count()).to.equal(1);

    // The Orders tab: the renewal first, found by the customer's name, and its Receipt.
    await clickAndLoad(page, page.getByRole('link', { name: 'Orders', exact: true }).first());
    const orders = new OrdersPage(page);
    const [newest] = await orders.rows();
    expect(newest[0]).to.match(new RegExp(`^Order ${orderId}\\b`));
    expect(newest.slice(1)).to.deep.equal([new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(now), 'Renewal', 'Willow Pottery', 'Pat Partner', '$1,727.94']);
    await orders.searchByCustomer('willow');
    expect((await orders.rows()).map((row) => row[2])).to.deep.equal(['Renewal', 'Purchase']);
    await orders.openReceipt(orderId);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal(`Receipt for order ${orderId}`);
    const receipt = await page.locator('table').innerText();
    expect(receipt).to.include('Willow Pottery');
    expect(receipt).to.include('$287.99 per computer per year');
    expect(receipt).to.include('$1,727.94');
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.site-header').isVisible(), 'the receipt prints without the header').to.equal(false);
    await page.emulateMedia({ media: 'screen' });

    const email = await db()('outbox_emails').where({ template: 'order-confirmation', recipient: partner.email }).whereRaw(`data->>'orderNumber' = ?`, [String(orderId)]);
    expect(email).to.have.length(1);
  });
});
