// Renew: the one choice, how many years.
import { textField } from '../lib/forms/validation.ts';
import { formResult, type FormResult } from '../lib/forms/result.ts';
import { TERMS_IN_YEARS } from '../models/catalog.ts';

// req.session.renewal: the account, the years chosen, and the review page's one-time key.
// A new key comes with every choice, so a stale review page in another tab renews nothing.
export interface RenewalJourney {
  accountId: number;
  years: number;
  renewalKey: string;
  // Set once the renewal is placed: going back to the review page then shows the account.
  orderId?: number;
}

export function readRenewal(body: unknown): FormResult<{ years: number }> {
  const years = textField(body, 'years', 10);
  const problem = TERMS_IN_YEARS.some((t) => String(t) === years) ? undefined : 'Choose how many years to renew for';
  return formResult({ years }, { years: problem }, () => ({ years: Number(years) }));
}
