import type { Page } from 'playwright-core';

// The registration wizard's screens, driven by label and role as a customer would.

export class ComputerPage {
  constructor(private readonly page: Page) {}

  heading() {
    return this.page.getByRole('heading', { level: 1 });
  }

  // The "?" help is a <details>: it opens with a click, no script needed.
  async openHelp(name: 'serial number' | 'computer name'): Promise<string> {
    await this.page.getByText(`Where do I find the ${name}?`).click();
    return (await this.page.locator('details[open] .help__body').innerText()).trim();
  }

  async enterSerialNumber(serialNumber: string): Promise<void> {
    await this.page.getByLabel('Serial number').fill(serialNumber);
  }

  async enterComputerName(computerName: string): Promise<void> {
    await this.page.getByLabel('Computer name').fill(computerName);
  }

  async submit(): Promise<void> {
    await this.page.getByRole('button', { name: 'Submit' }).click();
  }
}

export interface SecurityAnswersInput {
  question1: string;
  answer1: string;
  question2: string;
  answer2: string;
}

async function fillPasswordAndQuestions(page: Page, password: string, answers: SecurityAnswersInput): Promise<void> {
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Confirm password').fill(password);
  await page.getByLabel('Security question 1').selectOption({ label: answers.question1 });
  await page.getByLabel('Answer 1').fill(answers.answer1);
  await page.getByLabel('Security question 2').selectOption({ label: answers.question2 });
  await page.getByLabel('Answer 2').fill(answers.answer2);
}

// Safe: account information, then Submit.
export class AccountInformationPage {
  constructor(private readonly page: Page) {}

  email(): Promise<string> {
    return this.page.getByLabel('Email address').inputValue();
  }

  async fill(password: string, answers: SecurityAnswersInput): Promise<void> {
    await fillPasswordAndQuestions(this.page, password, answers);
  }

  async submit(): Promise<void> {
    await this.page.getByRole('button', { name: 'Submit' }).click();
  }
}

// Safe Backup Pro: personal information, then Continue.
export class PersonalInformationPage {
  constructor(private readonly page: Page) {}

  async fill(person: { firstName: string; lastName: string; phone?: string }, password: string, answers: SecurityAnswersInput): Promise<void> {
    await this.page.getByLabel('First name').fill(person.firstName);
    await this.page.getByLabel('Last name').fill(person.lastName);
    if (person.phone) await this.page.getByLabel('Phone (optional)').fill(person.phone);
    await fillPasswordAndQuestions(this.page, password, answers);
  }

  async continue(): Promise<void> {
    await this.page.getByRole('button', { name: 'Continue' }).click();
  }
}
