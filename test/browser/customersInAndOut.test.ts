import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { paths } from '../../lib/paths.ts';
import { createTestPartner, type TestApp, type TestPartner } from '../support/app.ts';
import { noScriptContext, startAppInBrowser, stopAppInBrowser, type AppInBrowser } from '../support/browser.ts';
import { registeredCustomer } from '../support/customers.ts';
import { SignInPage } from './pages/signInPage.ts';
import { AccountDashboardPage, AccountsPage } from './pages/accountDashboardPage.ts';
import { ReleaseAccountPage } from './pages/customersInAndOutPages.ts';
import { PortalPage } from './pages/portalPages.ts';

describe('browser, JavaScript off: customers in and out of a partner’s Portal', function () {
  this.timeout(120_000);
  let t: TestApp;
  let server: AppInBrowser['server'];
  let browser: Browser;
  let partner: TestPartner;
  const contexts: BrowserContext[] = [];

  before(async () => {
    ({ t, server, browser } = await startAppInBrowser());
    partner = await createTestPartner('Browser In And Out IT');
  });
  after(async () => {
    for (const context of contexts) await context.close();
    await stopAppInBrowser({ t, server, browser });
  });

  async function signedIn(url: string, email: string, password: string): Promise<Page> {
    const context = await noScriptContext(browser, server.url);
    contexts.push(context);
    const page = await context.newPage();
    const signIn = new SignInPage(page, url);
    await signIn.open();
    await signIn.signIn(email, password);
    await page.waitForURL((u) => u.pathname !== url);
    return page;
  }

  it('a partner releases an account: it leaves their list and its old link is a 404, while the customer still signs in to their Portal', async () => {
    const customer = await registeredCustomer(partner, { customerName: 'Heron Bakery' });
    const page = await signedIn(paths.partner.signIn, partner.email, partner.password);
    const accounts = new AccountsPage(page);
    await accounts.open();
    await accounts.openAccount('Heron Bakery');
    const release = new ReleaseAccountPage(page);
    await release.openFromDashboard();
    expect(await release.heading()).to.equal('Release account');
    await release.confirm();

    expect(new URL(page.url()).pathname).to.equal(paths.partner.accounts);
    expect(await new AccountDashboardPage(page).message()).to.include('Heron Bakery was released.');
    await accounts.filter({ search: 'Heron' });
    expect(await accounts.rows()).to.deep.equal([]);
    const old = await page.goto(paths.partner.account(customer.accountId));
    expect(old?.status()).to.equal(404);

    const portal = await signedIn(paths.portal.signIn, customer.email, customer.password);
    expect(new URL(portal.url()).pathname).to.equal(paths.portal.home);
    expect(await new PortalPage(portal).heading()).to.be.a('string');
  });
});
