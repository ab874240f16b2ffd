import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { paths } from '../../lib/paths.ts';
import { createTestPartner, type TestApp, type TestPartner } from '../support/app.ts';
import { noScriptContext, startAppInBrowser, stopAppInBrowser, type AppInBrowser } from '../support/browser.ts';
import { SignInPage } from './pages/signInPage.ts';

describe('browser, JavaScript off: partner sign-in and sign-out', function () {
  this.timeout(60_000);
  let t: TestApp;
  let server: AppInBrowser['server'];
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let partner: TestPartner;

  before(async () => {
    ({ t, server, browser } = await startAppInBrowser());
    partner = await createTestPartner('Browser Partner Co');
  });
  beforeEach(async () => {
    context = await noScriptContext(browser, server.url);
    page = await context.newPage();
  });
  afterEach(() => context.close());
  after(async () => {
    await stopAppInBrowser({ t, server, browser });
  });

  it('shows the error summary and keeps the email after a wrong password', async () => {
    const signIn = new SignInPage(page, paths.partner.signIn);
    await signIn.open();
    await signIn.signIn(partner.email, 'this is not my password');
    expect(await page.title()).to.match(/^Error: /);
    expect(await page.getByRole('alert').textContent()).to.include('The email address or password is not right.');
    expect(await page.getByLabel('Email address').inputValue()).to.equal(partner.email);
    expect(await page.getByLabel('Password', { exact: true }).inputValue()).to.equal('');
  });

  it('signs in to the Overview tab and signs out again', async () => {
    const signIn = new SignInPage(page, paths.partner.signIn);
    await signIn.open();
    await signIn.signIn(partner.email, partner.password);
    expect(new URL(page.url()).pathname).to.equal(paths.partner.overview);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Overview');
    expect(await page.getByRole('link', { name: 'Overview', exact: true }).getAttribute('aria-current')).to.equal('page');
    await page.getByRole('button', { name: 'Sign out' }).click();
    expect(new URL(page.url()).pathname).to.equal(paths.partner.signIn);
    expect(await page.getByRole('status').textContent()).to.include('You have signed out.');
    await page.goto(paths.partner.accounts);
    expect(new URL(page.url()).pathname).to.equal(paths.partner.signIn);
  });
});
