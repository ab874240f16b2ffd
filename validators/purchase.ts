// The partner's New purchase form, and Start a trial (the same form without a term).
import { emailProblem, textField } from '../lib/forms/validation.ts';
import { formResult, type FormResult } from '../lib/forms/result.ts';
import { TERMS_IN_YEARS, type Catalog } from '../models/catalog.ts';
import { trialMaxComputers, type Administrator, type PurchaseInput } from '../models/purchases.ts';

export const CUSTOMER_NAME_MAX_LENGTH = 200;

// What the form holds, as typed: shown again when something is wrong.
export type PurchaseFormValues = {
  customerName: string;
  customerEmail: string;
  product: string;
  plan: string;
  computers: string;
  term: string;
  administrator: string;
};

// A checked purchase, waiting on the review page to be completed with its purchase key.
export type PurchaseDraft = Omit<PurchaseInput, 'purchaseKey'>;

// req.session.purchase: the draft and the review page's one-time purchase key. A new key
// comes with every new draft, so a stale review page in another tab cannot buy this one.
export interface PurchaseJourney {
  draft: PurchaseDraft;
  purchaseKey: string;
  // Set once the purchase is placed: going back to the review page then shows the account.
  accountId?: number;
}

export const ADMINISTRATORS: Administrator[] = ['partner', 'customer'];

export function purchaseFormValues(draft: PurchaseDraft): PurchaseFormValues {
  return {
    customerName: draft.customerName,
    customerEmail: draft.customerEmail,
    product: draft.productId,
    plan: draft.planId,
    computers: String(draft.computers),
    term: draft.trialDays === undefined ? String(draft.termYears) : '',
    administrator: draft.administrator,
  };
}

function computersProblem(computers: string, min: number, max: number): string | undefined {
  if (computers === '') return 'Enter the number of computers';
  if (!/^\d+$/.test(computers)) return 'Number of computers must be a whole number, like 5';
  const n = Number(computers);
  if (n < min || n > max) return `Number of computers must be between ${min} and ${max}`;
  return undefined;
}

// `trialDays`: Start a trial's form: no term asked, its days instead, and up to
// TRIAL_MAX_COMPUTERS computers (or fewer, where the product's own maximum is lower).
export function readPurchase(body: unknown, catalog: Catalog, trialDays?: number): FormResult<PurchaseDraft> {
  const trial = trialDays !== undefined;
  const values: PurchaseFormValues = {
    customerName: textField(body, 'customerName', 1000),
    customerEmail: textField(body, 'customerEmail', 320),
    product: textField(body, 'product', 100),
    plan: textField(body, 'plan', 100),
    computers: textField(body, 'computers', 20).replace(/[\s,]/g, ''),
    term: trial ? '' : textField(body, 'term', 10),
    administrator: textField(body, 'administrator', 20),
  };
  const product = catalog.products.find((p) => p.id === values.product);
  const plan = catalog.plans.find((p) => p.id === values.plan);
  // Safe is for one computer: the field is fixed at 1, and an empty field means 1.
  if (product && product.maxComputers === 1 && values.computers === '') values.computers = '1';

  const problems = {
    customerName:
      values.customerName === ''
        ? 'Enter the customer name'
        : [...values.customerName].length > CUSTOMER_NAME_MAX_LENGTH
          ? `Customer name must be ${CUSTOMER_NAME_MAX_LENGTH} characters or fewer`
          : undefined,
    customerEmail: emailProblem(values.customerEmail, 'customer email address'),
    product: product ? undefined : 'Choose a product',
    plan: !plan ? 'Choose a plan' : product && plan.productId !== product.id ? `Choose a plan of ${product.name}` : undefined,
    computers: !product
      ? undefined
      : product.maxComputers === 1 && values.computers !== '1'
        ? `${product.name} is for 1 computer only: enter 1`
        : computersProblem(values.computers, product.minComputers, trial ? trialMaxComputers(product) : product.maxComputers),
    term: trial || TERMS_IN_YEARS.some((t) => String(t) === values.term) ? undefined : 'Choose a term',
    administrator: ADMINISTRATORS.includes(values.administrator as Administrator) ? undefined : 'Choose who will be the account administrator',
  };
  return formResult(values, problems, () => ({
    customerName: values.customerName,
    customerEmail: values.customerEmail,
    productId: product!.id,
    planId: plan!.id,
    computers: Number(values.computers),
    termYears: trial ? 0 : Number(values.term),
    administrator: values.administrator as Administrator,
    ...(trial ? { trialDays } : {}),
  }));
}
