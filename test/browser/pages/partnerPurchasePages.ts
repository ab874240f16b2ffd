import type { Page } from 'playwright-core';
import { clickAndLoad } from './navigation.ts';
import { summaryList } from './summaryList.ts';

export interface PurchaseChoices {
  customerName: string;
  customerEmail: string;
  product: 'Safe' | 'Safe Backup Pro';
  plan: string;
  computers?: string;
  term: '1 year' | '2 years' | '3 years';
  administrator: 'I will be the account administrator' | 'Allow the customer to manage their own account';
}

// New purchase, then its review page, as a partner fills them in.
export class NewPurchasePage {
  constructor(private readonly page: Page) {}

  async fill(choices: PurchaseChoices): Promise<void> {
    await this.page.getByLabel('Customer name').fill(choices.customerName);
    await this.page.getByLabel('Customer email').fill(choices.customerEmail);
    await this.page.getByRole('group', { name: 'Product' }).getByLabel(choices.product, { exact: true }).check();
    await this.page.getByRole('group', { name: 'Plan' }).getByLabel(choices.plan, { exact: true }).check();
    if (choices.computers !== undefined) await this.page.getByLabel('Number of computers').fill(choices.computers);
    await this.page.getByRole('group', { name: 'Term' }).getByLabel(choices.term, { exact: true }).check();
    await this.page.getByLabel(choices.administrator).check();
  }

  async continue(): Promise<void> {
    await clickAndLoad(this.page, this.page.getByRole('button', { name: 'Continue' }));
  }
}

export class ReviewPurchasePage {
  constructor(private readonly page: Page) {}

  // The review's rows as label -> value.
  summary(): Promise<Record<string, string>> {
    return summaryList(this.page);
  }

  async change(what: string): Promise<void> {
    await clickAndLoad(this.page, this.page.getByRole('link', { name: `Change ${what}` }));
  }

  async complete(): Promise<void> {
    await clickAndLoad(this.page, this.page.getByRole('button', { name: 'Complete purchase' }));
  }
}
