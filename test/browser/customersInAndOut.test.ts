import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { paths } from '../../lib/paths.ts';
import { createTestPartner, type TestApp, type TestPartner } from '../support/app.ts';
import { axeContext, noScriptContext, startAppInBrowser, stopAppInBrowser, type AppInBrowser } from '../support/browser.ts';
import { seriousAxeFindings } from '../support/axe.ts';
import { directCustomer } from '../support/directCustomers.ts';
import { registeredCustomer } from '../support/customers.ts';
import { SignInPage } from './pages/signInPage.ts';
import { AccountDashboardPage, AccountsPage } from './pages/accountDashboardPage.ts';
import { AddExistingCustomerPage, PortalRequestBanner, ReleaseAccountPage } from './pages/customersInAndOutPages.ts';
import { PortalPage } from './pages/portalPages.ts';
import { clickAndLoad } from './pages/navigation.ts';

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

  async function signedIn(url: string, email: string, password: string, withScripts = false): Promise<Page> {
    // Scripts only for axe, which runs in the page; every journey runs with JavaScript off.
    const context = withScripts ? await axeContext(browser, server.url) : await noScriptContext(browser, server.url);
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

  it('a direct customer accepts a partner’s request at the top of their Portal, and the account appears in that partner’s Accounts', async () => {
    const direct = await directCustomer({ name: 'Kestrel Joinery' });
    const partnerPage = await signedIn(paths.partner.signIn, partner.email, partner.password);
    const accounts = new AccountsPage(partnerPage);
    await accounts.open();
    const add = new AddExistingCustomerPage(partnerPage);
    await add.openFromAccounts();
    await add.ask('');
    expect(await partnerPage.title()).to.match(/^Error: Add an existing customer/);
    await add.ask(direct.email);
    expect(await new AccountDashboardPage(partnerPage).message()).to.include('If that customer has an account, we have asked them');
    await accounts.open();
    await accounts.filter({ search: 'Kestrel' });
    expect(await accounts.rows(), 'not before Accept').to.deep.equal([]);

    const portal = await signedIn(paths.portal.signIn, direct.email, direct.password);
    const banner = new PortalRequestBanner(portal);
    expect(await banner.heading()).to.equal('Browser In And Out IT asks to manage your account');
    await banner.accept();
    expect(await new PortalPage(portal).message()).to.include('You accepted: Browser In And Out IT now sees your account in their Partner Portal.');
    expect(await banner.count()).to.equal(0);

    await accounts.open();
    await accounts.filter({ search: 'Kestrel' });
    const rows = await accounts.rows();
    expect(rows).to.have.length(1);
    expect(rows[0].join(' ')).to.include('Kestrel Joinery');
  });

  it('a partner asks to become the account administrator from the Dashboard, and the customer approves in their Portal', async () => {
    const customer = await registeredCustomer(partner, { customerName: 'Plover Press' });
    const partnerPage = await signedIn(paths.partner.signIn, partner.email, partner.password);
    const dashboard = new AccountDashboardPage(partnerPage);
    await dashboard.open(customer.accountId);
    await clickAndLoad(partnerPage, partnerPage.getByRole('button', { name: 'Ask to become the account administrator' }));
    expect(await dashboard.message()).to.include('We have asked the customer to make you the account administrator.');
    expect(await partnerPage.getByRole('region', { name: 'Account administrator' }).innerText()).to.include('Waiting for the customer');

    const portal = await signedIn(paths.portal.signIn, customer.email, customer.password);
    const banner = new PortalRequestBanner(portal);
    expect(await banner.heading()).to.equal('Browser In And Out IT asks to become your account administrator');
    await banner.accept();
    expect(await new PortalPage(portal).message()).to.include('Browser In And Out IT is now the administrator of your account.');

    await dashboard.open(customer.accountId);
    expect((await dashboard.section('Subscription'))['Account administrator']).to.equal('Partner (you)');
  });

  it('finds nothing serious (axe) on the Portal with a partner’s request at its top', async () => {
    const direct = await directCustomer({ name: 'Axe Direct' });
    const partnerPage = await signedIn(paths.partner.signIn, partner.email, partner.password);
    await partnerPage.goto(paths.partner.addExistingCustomer);
    await new AddExistingCustomerPage(partnerPage).ask(direct.email);
    const portal = await signedIn(paths.portal.signIn, direct.email, direct.password, true);
    expect(await new PortalRequestBanner(portal).count()).to.equal(1);
    expect(await seriousAxeFindings(portal, 'Portal with a partner request')).to.deep.equal([]);
  });
});
