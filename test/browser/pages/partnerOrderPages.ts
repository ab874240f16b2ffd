import type { Page } from 'playwright-core';
import { clickAndLoad } from './navigation.ts';
import { summaryList } from './summaryList.ts';

// Renew, from an account's Dashboard: the choice of years, then the review page.
export class RenewPage {
  constructor(private readonly page: Page) {}

  async choose(years: '1 year' | '2 years' | '3 years'): Promise<void> {
    await this.page.getByLabel(years).check();
    await clickAndLoad(this.page, this.page.getByRole('button', { name: 'Continue' }));
  }

  // The review page's rows, label -> value.
  review(): Promise<Record<string, string>> {
    return summaryList(this.page);
  }

  async renew(): Promise<void> {
    await clickAndLoad(this.page, this.page.getByRole('button', { name: 'Renew', exact: true }));
  }
}

// The Orders tab and a Receipt.
export class OrdersPage {
  constructor(private readonly page: Page) {}

  async searchByCustomer(text: string): Promise<void> {
    await this.page.getByLabel('Search by customer').fill(text);
    await clickAndLoad(this.page, this.page.getByRole('button', { name: 'Search' }));
  }

  // The table's rows, cells as shown.
  async rows(): Promise<string[][]> {
    const rows = await this.page.locator('table tbody tr').all();
    return Promise.all(rows.map(async (row) => (await row.locator('td').allInnerTexts()).map((cell) => cell.replace(/\s+/g, ' ').trim())));
  }

  async monthTotal(): Promise<string> {
    return (await this.page.locator('#month-total').innerText()).trim();
  }

  async openReceipt(orderNumber: number): Promise<void> {
    await clickAndLoad(this.page, this.page.getByRole('link', { name: new RegExp(`^Order ${orderNumber}\\b`) }));
  }
}
