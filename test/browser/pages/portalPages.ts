import type { Page } from 'playwright-core';

// The customer Portal's pages, as the customer sees them.
export class PortalPage {
  constructor(private readonly page: Page) {}

  heading(): Promise<string | null> {
    return this.page.getByRole('heading', { level: 1 }).textContent();
  }

  async message(): Promise<string> {
    return (await this.page.getByRole('status').innerText()).trim();
  }
}
