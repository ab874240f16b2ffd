import type { Page } from 'playwright-core';
import { paths } from '../../../lib/paths.ts';
import { clickAndLoad } from './navigation.ts';

// The Team tab's pages, the emailed invitation and two-factor sign-in, by label and role.
export class PartnerTeamPages {
  constructor(private readonly page: Page) {}

  async invite(email: string, roleLabel: string): Promise<void> {
    await this.page.goto(paths.partner.team);
    await clickAndLoad(this.page, this.page.getByRole('link', { name: 'Invite a user' }));
    await this.page.getByLabel('Email address').fill(email);
    await this.page.getByLabel(roleLabel, { exact: true }).check();
    await clickAndLoad(this.page, this.page.getByRole('button', { name: 'Send the invitation' }));
  }

  // From the emailed link: a name and a password, twice.
  async acceptInvitation(acceptPath: string, name: string, password: string, company: string): Promise<void> {
    await this.page.goto(acceptPath);
    await this.page.getByLabel('Your name').fill(name);
    await this.page.getByLabel('Password', { exact: true }).fill(password);
    await this.page.getByLabel('Confirm password').fill(password);
    await clickAndLoad(this.page, this.page.getByRole('button', { name: `Join ${company}` }));
  }

  // Settings' "Set up two-factor sign-in": answers the setup key the page shows as text.
  async openTwoFactorSetUp(): Promise<string> {
    await this.page.goto(paths.partner.settings);
    await clickAndLoad(this.page, this.page.getByRole('link', { name: 'Set up two-factor sign-in' }));
    return (await this.page.locator('code.secret-key').innerText()).trim();
  }

  async confirmTwoFactor(code: string): Promise<void> {
    await this.page.getByLabel('Code from your authenticator app').fill(code);
    await clickAndLoad(this.page, this.page.getByRole('button', { name: 'Turn on two-factor sign-in' }));
  }

  async recoveryCodes(): Promise<string[]> {
    return (await this.page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').allInnerTexts()).map((c) => c.trim());
  }

  async enterSignInCode(code: string): Promise<void> {
    await this.page.getByLabel('Code', { exact: true }).fill(code);
    await clickAndLoad(this.page, this.page.getByRole('button', { name: 'Continue' }));
  }

  async signOut(): Promise<void> {
    await clickAndLoad(this.page, this.page.getByRole('button', { name: 'Sign out' }));
  }

  async requireTwoFactorForEveryone(): Promise<void> {
    await this.page.goto(paths.partner.team);
    await clickAndLoad(this.page, this.page.getByRole('button', { name: 'Require two-factor sign-in for everyone' }));
  }

  async deactivate(name: string): Promise<void> {
    await this.page.goto(paths.partner.team);
    await clickAndLoad(this.page, this.page.getByRole('link', { name, exact: true }));
    await clickAndLoad(this.page, this.page.getByRole('button', { name: `Deactivate ${name}` }));
  }

  async status(): Promise<string> {
    return (await this.page.getByRole('status').first().innerText()).trim();
  }
}
