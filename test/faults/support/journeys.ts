// The product's journeys driven through its pages over HTTP, step by step, the way a
// person with a browser would: each step checks the answer it expects and otherwise stops
// with a JourneyError naming the step, so traffic tests can tell a refusal from a bug.
import type { Knex } from 'knex';
import { paths } from '../../../lib/paths.ts';
import { hashSecret } from '../../../lib/passwords.ts';
import { createPartnerWithOwner } from '../../../models/partners.ts';
import { TEST_PASSWORD, uniqueEmail, type TestPartner } from '../../support/app.ts';
import { WebClient, type FormBody, type WebResponse } from './webClient.ts';

export class JourneyError extends Error {
  constructor(
    public readonly step: string,
    public readonly res: WebResponse,
  ) {
    super(`${step} answered ${res.status}${res.location ? ` -> ${res.location}` : ''}`);
  }
}

function expectStatus(step: string, res: WebResponse, status: number, location?: RegExp): WebResponse {
  if (res.status !== status || (location && !location.test(res.location ?? ''))) throw new JourneyError(step, res);
  return res;
}

let passwordHash: Promise<string> | undefined;

// A partner company with its owner, on any database (the fault tests' own ones too).
export async function partnerOn(db: Knex, company: string): Promise<TestPartner> {
  passwordHash ??= hashSecret(TEST_PASSWORD);
  const email = uniqueEmail('partner');
  const { partnerId, userId } = await createPartnerWithOwner(db, { company, name: 'Pat Partner', email, passwordHash: await passwordHash });
  return { partnerId, userId, email, password: TEST_PASSWORD, company };
}

export async function signInPartner(client: WebClient, partner: Pick<TestPartner, 'email' | 'password'>): Promise<void> {
  const res = await client.submit(paths.partner.signIn, { email: partner.email, password: partner.password });
  expectStatus('partner sign-in', res, 303, /^\/partner\//);
}

export async function signInCustomer(client: WebClient, email: string, password: string): Promise<void> {
  const res = await client.submit(paths.portal.signIn, { email, password });
  expectStatus('customer sign-in', res, 303, /^\/portal/);
}

export interface PurchaseFields {
  customerName: string;
  customerEmail: string;
  product: string;
  plan: string;
  computers: string;
  term: string;
  administrator: 'partner' | 'customer';
}

export function purchaseFields(overrides: Partial<PurchaseFields> = {}): PurchaseFields {
  return {
    customerName: 'Harbour Dental',
    customerEmail: uniqueEmail('customer'),
    product: 'safe',
    plan: 'safe-basic',
    computers: '1',
    term: '1',
    administrator: 'customer',
    ...overrides,
  };
}

const ACCOUNT_PATH = /^\/partner\/accounts\/(\d+)$/;

// New purchase -> review -> Complete purchase; answers the account id it landed on.
export async function purchase(client: WebClient, fields: PurchaseFields): Promise<number> {
  const draft = await client.submit(paths.partner.newPurchase, { ...fields });
  expectStatus('new purchase', draft, 303, new RegExp(`^${paths.partner.reviewPurchase}$`));
  const complete = await client.submit(paths.partner.reviewPurchase, {}, paths.partner.completePurchase);
  expectStatus('complete purchase', complete, 303, ACCOUNT_PATH);
  const dashboard = await client.get(complete.location!);
  expectStatus('account dashboard', dashboard, 200);
  return Number(ACCOUNT_PATH.exec(complete.location!)![1]);
}

// The review page, ready to be completed: answers the page's form fields with its token.
export async function reviewPage(client: WebClient, fields: PurchaseFields): Promise<FormBody> {
  const draft = await client.submit(paths.partner.newPurchase, { ...fields });
  expectStatus('new purchase', draft, 303, new RegExp(`^${paths.partner.reviewPurchase}$`));
  const { forms, csrf } = await client.page(paths.partner.reviewPurchase);
  const form = forms.find((f) => f.action === paths.partner.completePurchase);
  if (!form) throw new Error('The review page has no Complete purchase form');
  return Object.fromEntries([...form.fields.filter((f) => f.kind !== 'button').map((f) => [f.name, f.value]), ['_csrf', csrf]]);
}

export const CUSTOMER_PASSWORD = 'a calm river at dawn 77';

// The emailed link -> account information (Safe) or personal information (Pro) -> signed in.
// The security questions are the first two the page offers.
export async function completeRegistration(client: WebClient, linkPath: string, extra: FormBody = {}): Promise<WebResponse> {
  const opened = expectStatus('registration link', await client.get(linkPath), 303, /^\/register\/[^/]+\/(account|personal)$/);
  const { forms, csrf } = await client.page(opened.location!);
  const form = forms.find((f) => f.method === 'post');
  if (!form) throw new Error(`No form on ${opened.location}`);
  const questions = (name: string) => form.fields.find((f) => f.name === name)?.options.filter(Boolean) ?? [];
  const done = await client.post(form.action, {
    firstName: 'Morgan',
    lastName: 'Reyes',
    password: CUSTOMER_PASSWORD,
    confirmPassword: CUSTOMER_PASSWORD,
    securityQuestion1: questions('securityQuestion1')[0],
    securityAnswer1: 'Rex the Dog',
    securityQuestion2: questions('securityQuestion2')[1],
    securityAnswer2: 'Springfield',
    ...extra,
    _csrf: csrf,
  });
  return expectStatus('complete registration', done, 303, new RegExp(`^${paths.portal.home}$`));
}

// The path of an emailed link, whatever APP_URL said.
export function pathOf(url: string): string {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
}

export async function registrationLinkOn(db: Knex, accountId: number): Promise<string> {
  const row = await db('outbox_emails').where({ customer_account_id: accountId, template: 'registration-invitation' }).orderBy('id', 'desc').first('data');
  if (!row) throw new Error(`No registration email for account ${accountId}`);
  return pathOf(row.data.registrationUrl as string);
}
