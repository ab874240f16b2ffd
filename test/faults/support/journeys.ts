// The product's journeys driven through its pages over HTTP, step by step, the way a
// person with a browser would: each step checks the answer it expects and otherwise stops
// with a JourneyError naming the step, so traffic tests can tell a refusal from a bug.
import type { Knex } from 'knex';
import { paths } from '../../../lib/paths.ts';
import { uniqueEmail, type TestPartner } from '../../support/app.ts';
import { ANSWER_1, ANSWER_2, CUSTOMER_PASSWORD, pathOf } from '../../support/customers.ts';
import { WebClient, type FormBody, type WebResponse } from './webClient.ts';
import type { PageForm } from './html.ts';

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

// The account information (Safe) or personal information (Pro) form, filled in well: the
// first two security questions it offers, with their answers.
export function registrationFields(form: PageForm): FormBody {
  const questions = form.fields.find((f) => f.name === 'securityQuestion1')?.options.filter(Boolean) ?? [];
  const names: FormBody = form.fields.some((f) => f.name === 'firstName') ? { firstName: 'Morgan', lastName: 'Reyes' } : {};
  return {
    ...names,
    password: CUSTOMER_PASSWORD,
    confirmPassword: CUSTOMER_PASSWORD,
    securityQuestion1: questions[0],
    securityAnswer1: ANSWER_1,
    securityQuestion2: questions[1],
    securityAnswer2: ANSWER_2,
  };
}

// The emailed link -> account information (Safe) or personal information (Pro) -> signed in.
export async function completeRegistration(client: WebClient, linkPath: string, extra: FormBody = {}): Promise<WebResponse> {
  const opened = expectStatus('registration link', await client.get(linkPath), 303, /^\/register\/[^/]+\/(account|personal)$/);
  const { forms, csrf } = await client.page(opened.location!);
  const form = forms.find((f) => f.method === 'post');
  if (!form) throw new Error(`No form on ${opened.location}`);
  const done = await client.post(form.action, { ...registrationFields(form), ...extra, _csrf: csrf });
  return expectStatus('complete registration', done, 303, new RegExp(`^${paths.portal.home}$`));
}

export async function registrationLinkOn(db: Knex, accountId: number): Promise<string> {
  const row = await db('outbox_emails').where({ customer_account_id: accountId, template: 'registration-invitation' }).orderBy('id', 'desc').first('data');
  if (!row) throw new Error(`No registration email for account ${accountId}`);
  return pathOf(row.data.registrationUrl as string);
}
