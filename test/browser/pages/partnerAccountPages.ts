import type { Page } from 'playwright-core';
import { paths } from '../../../lib/paths.ts';

// What a partner sees of one customer account: its row in the Accounts tab and its Dashboard.
export class PartnerAccountPages {
  constructor(private readonly page: Page) {}

  // The row of the Accounts tab found by searching the customer's email.
  async accountsRow(email: string): Promise<string> {
    await this.page.goto(paths.partner.accounts);
    await this.page.getByLabel('Search by name or email').fill(email);
    await this.page.getByLabel('Search by name or email').press('Enter');
    return (await this.page.getByRole('row').filter({ hasText: email }).innerText()).replace(/\s+/g, ' ');
  }

  // The Dashboard's subscription information as label → value.
  async dashboard(accountId: number): Promise<Record<string, string>> {
    await this.page.goto(paths.partner.account(accountId));
    const section = this.page.getByRole('region', { name: 'Subscription' });
    const rows = await section.locator('dl > div').all();
    const entries: [string, string][] = [];
    for (const row of rows) {
      entries.push([(await row.locator('dt').innerText()).trim(), (await row.locator('dd').first().innerText()).trim()]);
    }
    return Object.fromEntries(entries);
  }
}
