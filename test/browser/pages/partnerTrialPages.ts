import type { Page } from 'playwright-core';
import { clickAndLoad } from './navigation.ts';
import { summaryList } from './summaryList.ts';

export interface TrialChoices {
  customerName: string;
  customerEmail: string;
  product: 'Safe' | 'Safe Backup Pro';
  plan: string;
  computers?: string;
  administrator: 'I will be the account administrator' | 'Allow the customer to manage their own account';
}

// Start a trial, then its review page, as a partner fills them in.
export class StartTrialPage {
  constructor(private readonly page: Page) {}

  async fill(choices: TrialChoices): Promise<void> {
    await this.page.getByLabel('Customer name').fill(choices.customerName);
    await this.page.getByLabel('Customer email').fill(choices.customerEmail);
    await this.page.getByRole('group', { name: 'Product' }).getByLabel(choices.product, { exact: true }).check();
    await this.page.getByRole('group', { name: 'Plan' }).getByLabel(choices.plan, { exact: true }).check();
    if (choices.computers !== undefined) await this.page.getByLabel('Number of computers').fill(choices.computers);
    await this.page.getByLabel(choices.administrator).check();
  }

  async continue(): Promise<void> {
    await clickAndLoad(this.page, this.page.getByRole('button', { name: 'Continue' }));
  }

  review(): Promise<Record<string, string>> {
    return summaryList(this.page);
  }

  async start(): Promise<void> {
    await clickAndLoad(this.page, this.page.getByRole('button', { name: 'Start trial' }));
  }
}

// Upgrade to a paid subscription: the plan, computers and term, then the review page.
export class UpgradeTrialPage {
  constructor(private readonly page: Page) {}

  async choose(choices: { plan?: string; computers?: string; term: '1 year' | '2 years' | '3 years' }): Promise<void> {
    if (choices.plan) await this.page.getByRole('group', { name: 'Plan' }).getByLabel(choices.plan, { exact: true }).check();
    if (choices.computers !== undefined) await this.page.getByLabel('Number of computers').fill(choices.computers);
    await this.page.getByRole('group', { name: 'Term' }).getByLabel(choices.term, { exact: true }).check();
    await clickAndLoad(this.page, this.page.getByRole('button', { name: 'Continue' }));
  }

  review(): Promise<Record<string, string>> {
    return summaryList(this.page);
  }

  async upgrade(): Promise<void> {
    await clickAndLoad(this.page, this.page.getByRole('button', { name: 'Upgrade to paid' }));
  }
}
