import type { Page } from 'playwright-core';
import { clickAndLoad } from './navigation.ts';

// Release account, from an account's Dashboard to its confirmation page.
export class ReleaseAccountPage {
  constructor(private readonly page: Page) {}

  async openFromDashboard(): Promise<void> {
    await clickAndLoad(this.page, this.page.getByRole('link', { name: 'Release account', exact: true }));
  }

  heading(): Promise<string | null> {
    return this.page.getByRole('heading', { level: 1 }).textContent();
  }

  async confirm(): Promise<void> {
    await clickAndLoad(this.page, this.page.getByRole('button', { name: 'Yes, release account' }));
  }
}
