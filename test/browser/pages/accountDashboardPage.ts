import type { Page } from 'playwright-core';
import { paths } from '../../../lib/paths.ts';
import { clickAndLoad } from './navigation.ts';

// One account's Dashboard in the Partner Portal, and the pages it leads to.
export class AccountDashboardPage {
  constructor(private readonly page: Page) {}

  async open(accountId: number): Promise<void> {
    await this.page.goto(paths.partner.account(accountId));
  }

  accountId(): number {
    return Number(/\/partner\/accounts\/(\d+)$/.exec(new URL(this.page.url()).pathname)?.[1]);
  }

  async message(): Promise<string> {
    return (await this.page.getByRole('status').innerText()).trim();
  }

  // A section's rows (Subscription, Registration) as label -> value.
  async section(name: string): Promise<Record<string, string>> {
    const entries: [string, string][] = [];
    for (const row of await this.page.getByRole('region', { name }).locator('dl > div').all()) {
      entries.push([(await row.locator('dt').innerText()).trim(), (await row.locator('dd').first().innerText()).replace(/\s+/g, ' ').trim()]);
    }
    return Object.fromEntries(entries);
  }

  // The Computers table, a row per computer, cells as shown (not the charts' tables of days below it).
  async computers(): Promise<string[][]> {
    const rows = await this.page.getByRole('region', { name: 'Computers' }).locator(':scope > .table-wrap tbody tr').all();
    return Promise.all(rows.map(async (row) => (await row.locator('td').allInnerTexts()).map((cell) => cell.replace(/\s+/g, ' ').trim())));
  }

  async installCarbonite(brand = 'Carbonite'): Promise<void> {
    await clickAndLoad(this.page, this.page.getByRole('link', { name: `Install ${brand}` }).first());
  }

  async resendRegistrationEmail(): Promise<void> {
    await clickAndLoad(this.page, this.page.getByRole('button', { name: 'Resend registration email' }));
  }
}

// The on-screen Install steps.
export class InstallPage {
  constructor(private readonly page: Page) {}

  heading(): Promise<string | null> {
    return this.page.getByRole('heading', { level: 1 }).textContent();
  }

  async keyCode(): Promise<string> {
    return (await this.page.locator('.key-code').first().innerText()).trim();
  }

  async steps(platform: 'Install on Windows' | 'Install on a Mac'): Promise<string[]> {
    return this.page.getByRole('region', { name: platform }).getByRole('listitem').allInnerTexts();
  }

  downloadLink(name: string): Promise<string | null> {
    return this.page.getByRole('link', { name }).getAttribute('href');
  }
}

// The Accounts tab.
export class AccountsPage {
  constructor(private readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.goto(paths.partner.accounts);
  }

  async filter(options: { search?: string; status?: string; product?: string; administrator?: string }): Promise<void> {
    if (options.search !== undefined) await this.page.getByLabel('Search by name or email').fill(options.search);
    if (options.status) await this.page.getByLabel('Status', { exact: true }).selectOption({ label: options.status });
    if (options.product) await this.page.getByLabel('Product', { exact: true }).selectOption({ label: options.product });
    if (options.administrator) await this.page.getByLabel('Administrator', { exact: true }).selectOption({ label: options.administrator });
    await clickAndLoad(this.page, this.page.getByRole('button', { name: 'Apply' }));
  }

  // The table's rows, cells as shown.
  async rows(): Promise<string[][]> {
    const rows = await this.page.locator('table tbody tr').all();
    return Promise.all(rows.map(async (row) => (await row.locator('td').allInnerTexts()).map((cell) => cell.replace(/\s+/g, ' ').trim())));
  }

  async openAccount(name: string): Promise<void> {
    await clickAndLoad(this.page, this.page.getByRole('link', { name, exact: true }));
  }
}
