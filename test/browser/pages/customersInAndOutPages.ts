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

// Add an existing customer, from the Accounts tab.
export class AddExistingCustomerPage {
  constructor(private readonly page: Page) {}

  async openFromAccounts(): Promise<void> {
    await clickAndLoad(this.page, this.page.getByRole('link', { name: 'Add an existing customer' }));
  }

  async ask(email: string): Promise<void> {
    await this.page.getByLabel('Customer’s email address').fill(email);
    await clickAndLoad(this.page, this.page.getByRole('button', { name: 'Ask the customer' }));
  }
}

// A partner's request at the top of the customer's Portal, with Accept and Decline.
export class PortalRequestBanner {
  constructor(private readonly page: Page) {}

  private region() {
    return this.page.locator('section.partner-request');
  }

  count(): Promise<number> {
    return this.region().count();
  }

  async heading(): Promise<string> {
    return (await this.region().getByRole('heading').innerText()).trim();
  }

  async accept(): Promise<void> {
    await clickAndLoad(this.page, this.region().getByRole('button', { name: 'Accept' }));
  }

  async decline(): Promise<void> {
    await clickAndLoad(this.page, this.region().getByRole('button', { name: 'Decline' }));
  }
}
