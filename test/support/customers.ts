// Customers for the tests: made through the product's own model functions, the wizard's
// fields filled in well, and their sign-in to the Portal.
import type { Express } from 'express';
import supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { testDatabase } from './hooks.ts';
import { submitForm, type TestPartner } from './app.ts';
import { latestRegistrationUrl, purchaseFor, type TestAccount } from './fixtures.ts';
import type { PurchaseInput } from '../../models/purchases.ts';
import { activateInstallation, type Platform } from '../../models/installations.ts';
import { completeRegistration } from '../../models/registration.ts';

export const CUSTOMER_PASSWORD = 'a calm river at dawn 77';
export const ANSWER_1 = 'Rex the Dog';
export const ANSWER_2 = 'Springfield';

export async function questionIds(): Promise<number[]> {
  const rows = await testDatabase().db('security_questions').orderBy('sort_order').select('id');
  return rows.map((r) => r.id as number);
}

// The account information form, filled in well; overrides make it wrong one field at a time.
export async function accountFields(overrides: Record<string, string> = {}): Promise<Record<string, string>> {
  const [first, second] = await questionIds();
  return {
    password: CUSTOMER_PASSWORD,
    confirmPassword: CUSTOMER_PASSWORD,
    securityQuestion1: String(first),
    securityAnswer1: ANSWER_1,
    securityQuestion2: String(second),
    securityAnswer2: ANSWER_2,
    ...overrides,
  };
}

export async function personalFields(overrides: Record<string, string> = {}): Promise<Record<string, string>> {
  return accountFields({ firstName: 'Morgan', lastName: 'Reyes', phone: '+1 555 010 0199', ...overrides });
}

// The path of an emailed link: tests talk to the app in-process, whatever APP_URL said.
export function pathOf(url: string): string {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
}

export async function registrationPath(accountId: number): Promise<string> {
  return pathOf(await latestRegistrationUrl(accountId));
}

// Opens the emailed link in an agent: answers the step it was sent to and the journey id.
export async function openLink(agent: supertest.Agent, linkPath: string): Promise<{ location: string; journeyId: string }> {
  const res = await agent.get(linkPath);
  if (res.status !== 303) throw new Error(`The registration link answered ${res.status}`);
  const location = res.headers.location as string;
  const match = /^\/register\/([^/]+)\/(computer|account|personal)$/.exec(location);
  if (!match) throw new Error(`Unexpected wizard step ${location}`);
  return { location, journeyId: decodeURIComponent(match[1]) };
}

export async function installComputer(account: TestAccount, computerName: string, platform: Platform = 'windows') {
  return activateInstallation(testDatabase().db, { keyCode: account.keyCode, computerName, platform }, { address: '127.0.0.1' });
}

export interface RegisteredCustomer extends TestAccount {
  userId: number;
  password: string;
}

// A customer who has completed registration (through the model, as the wizard's last step does).
export async function registeredCustomer(partner: TestPartner, overrides: Partial<PurchaseInput> = {}): Promise<RegisteredCustomer> {
  const account = await purchaseFor(partner, overrides);
  const invitation = await testDatabase().db('registration_invitations').where({ customer_account_id: account.accountId }).orderBy('id', 'desc').first('id');
  const [first, second] = await questionIds();
  const pro = overrides.productId === 'safe-backup-pro';
  const result = await completeRegistration(
    testDatabase().db,
    invitation.id,
    {
      password: CUSTOMER_PASSWORD,
      question1Id: first,
      answer1: ANSWER_1,
      question2Id: second,
      answer2: ANSWER_2,
      firstName: pro ? 'Morgan' : undefined,
      lastName: pro ? 'Reyes' : undefined,
    },
    {},
  );
  if (result.outcome !== 'completed') throw new Error(`Registration did not complete: ${result.outcome}`);
  return { ...account, userId: result.user.id, password: CUSTOMER_PASSWORD };
}

export async function signInCustomer(app: Express, email: string, password = CUSTOMER_PASSWORD): Promise<supertest.Agent> {
  const agent = supertest.agent(app);
  const res = await submitForm(agent, paths.portal.signIn, { email, password });
  if (res.status !== 303) throw new Error(`Customer sign-in failed with ${res.status}`);
  return agent;
}
