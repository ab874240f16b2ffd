// Bulk purchase by CSV in a real Chromium with JavaScript off: from the Accounts tab, the
// template downloaded and filled in, the upload, its preview, Place and the result; and axe
// on the upload (with and without an error), preview and result pages.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { paths } from '../../lib/paths.ts';
import { testDatabase } from '../support/hooks.ts';
import { createTestPartner, uniqueEmail, type TestApp, type TestPartner } from '../support/app.ts';
import { axeContext, noScriptContext, startAppInBrowser, stopAppInBrowser, type AppInBrowser } from '../support/browser.ts';
import { seriousAxeFindings, type AxeFinding } from '../support/axe.ts';
import { signInPartner } from './pages/signInPage.ts';
import { clickAndLoad } from './pages/navigation.ts';

// The upload page, read as a person would: its file field by label, its button by name.
class BulkUploadPage {
  constructor(private readonly page: Page) {}
  async downloadTemplate(): Promise<string> {
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.page.getByRole('link', { name: 'Download the template CSV' }).click()]);
    return fs.readFile((await download.path())!, 'utf8');
  }
  async upload(file: string): Promise<void> {
    await this.page.getByLabel('CSV file of purchases').setInputFiles(file);
    await clickAndLoad(this.page, this.page.getByRole('button', { name: 'Upload and check' }));
  }
}

describe('browser, JavaScript off: a partner buys many subscriptions from a CSV of purchases', function () {
  this.timeout(120_000);
  let t: TestApp;
  let server: AppInBrowser['server'];
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let partner: TestPartner;
  let folder: string;

  before(async () => {
    ({ t, server, browser } = await startAppInBrowser());
    partner = await createTestPartner('Browser Bulk IT');
    folder = await fs.mkdtemp(path.join(os.tmpdir(), 'bulk-purchase-'));
  });
  afterEach(() => context?.close());
  after(async () => {
    await fs.rm(folder, { recursive: true, force: true });
    await stopAppInBrowser({ t, server, browser });
  });

  it('fills in the template, sees each row ready or with its problem, places the ready rows and follows an account from the result', async () => {
    context = await browser.newContext({ javaScriptEnabled: false, baseURL: server.url, acceptDownloads: true });
    page = await context.newPage();
    await signInPartner(page, partner);
    await page.goto(paths.partner.accounts);
    await clickAndLoad(page, page.getByRole('link', { name: 'Upload a CSV of purchases' }));
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Upload a CSV of purchases');

    const uploadPage = new BulkUploadPage(page);
    // Nothing chosen: the message is on the page.
    await clickAndLoad(page, page.getByRole('button', { name: 'Upload and check' }));
    expect(await page.title()).to.match(/^Error: Upload a CSV of purchases/);
    expect(await page.getByRole('alert').innerText()).to.include('Choose a CSV file of purchases to upload');

    const template = await uploadPage.downloadTemplate();
    const [office, home] = [uniqueEmail('office'), uniqueEmail('home')];
    const file = path.join(folder, 'november.csv');
    await fs.writeFile(file, `${template}Oak Street Office,${office},Safe Backup Pro,Core,4,2,customer\r\nHome of Kim,${home},Safe,Prime,,1,partner\r\nNo Plan Ltd,${uniqueEmail('noplan')},Safe,,1,1,partner\r\n`);
    await uploadPage.upload(file);

    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Check the purchases');
    const rows = page.getByRole('table', { name: /Rows of november\.csv/ }).getByRole('row');
    expect(await rows.count()).to.equal(4);
    expect(await rows.nth(1).innerText()).to.include('Oak Street Office').and.include('$2,303.92');
    expect(await rows.nth(2).innerText()).to.include('Home of Kim').and.include('$149.99');
    expect(await rows.nth(3).innerText()).to.include('Row 4, Plan: Enter the plan');
    expect(await testDatabase().db('customer_accounts').where({ partner_id: partner.partnerId }).count<{ n: number }[]>('* as n')).to.deep.equal([{ n: 0 }]);

    await clickAndLoad(page, page.getByRole('button', { name: 'Place 2 purchases' }));
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Purchases placed');
    expect(await page.getByRole('status').innerText()).to.include('2 purchases placed.');
    expect(await page.getByRole('link', { name: 'Download the report (CSV)' }).count()).to.equal(1);

    // The back button to the preview asks the server again and lands on the result: nothing twice.
    await page.goBack();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Purchases placed');
    expect(await testDatabase().db('orders').where({ partner_id: partner.partnerId }).count<{ n: number }[]>('* as n')).to.deep.equal([{ n: 1 }]);

    await clickAndLoad(page, page.getByRole('link', { name: 'Oak Street Office' }));
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Oak Street Office');
  });

  it('finds nothing serious with axe on the upload page (also with an error), the preview and the result', async () => {
    context = await axeContext(browser, server.url);
    page = await context.newPage();
    await signInPartner(page, partner);
    const findings: AxeFinding[] = [];
    await page.goto(paths.partner.bulkPurchase);
    findings.push(...(await seriousAxeFindings(page, 'Upload a CSV of purchases')));
    const empty = path.join(folder, 'empty.csv');
    await fs.writeFile(empty, '');
    await new BulkUploadPage(page).upload(empty);
    expect(await page.title()).to.match(/^Error: /);
    findings.push(...(await seriousAxeFindings(page, 'Upload a CSV of purchases with an error')));

    const file = path.join(folder, 'axe.csv');
    await fs.writeFile(file, `Customer name,Customer email,Product,Plan,Computers,Term,Administrator\nAxe Books,${uniqueEmail('axe')},Safe,Basic,1,1,partner\nAxe Broken,broken,Safe,Basic,1,1,partner\n`);
    await new BulkUploadPage(page).upload(file);
    findings.push(...(await seriousAxeFindings(page, 'Check the purchases')));
    await clickAndLoad(page, page.getByRole('button', { name: 'Place 1 purchase' }));
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Purchases placed');
    findings.push(...(await seriousAxeFindings(page, 'Purchases placed')));
    expect(findings).to.deep.equal([]);
  });
});
