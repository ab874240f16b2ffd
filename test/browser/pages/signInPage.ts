import type { Page } from 'playwright-core';
import { paths } from '../../../lib/paths.ts';

// The partner and customer sign-in pages, driven by label and role as a person would.
export class SignInPage {
  constructor(
    private readonly page: Page,
    private readonly url: string,
  ) {}

  async open(): Promise<void> {
    await this.page.goto(this.url);
  }

  async signIn(email: string, password: string): Promise<void> {
    await this.page.getByLabel('Email address').fill(email);
    await this.page.getByLabel('Password', { exact: true }).fill(password);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
  }
}

// A partner user signs in and lands on the Overview, as every partner journey begins.
export async function signInPartner(page: Page, user: { email: string; password: string }): Promise<void> {
  const form = new SignInPage(page, paths.partner.signIn);
  await form.open();
  await form.signIn(user.email, user.password);
  await page.waitForURL((url) => url.pathname === paths.partner.overview);
}
