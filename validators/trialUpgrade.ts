// Upgrade to a paid subscription: a plan of the trial's product, the number of computers and the term.
import { textField } from '../lib/forms/validation.ts';
import { formResult, type FormResult } from '../lib/forms/result.ts';
import { TERMS_IN_YEARS } from '../models/catalog.ts';
import type { TrialStart, TrialUpgradeChoice } from '../models/trials.ts';

// req.session.trialUpgrade: the choice for one trial and its review page's one-time key.
export interface TrialUpgradeJourney {
  accountId: number;
  choice: TrialUpgradeChoice;
  upgradeKey: string;
  // Set once the order is placed: going back to the review page then shows the account.
  orderId?: number;
}

export function readTrialUpgrade(body: unknown, start: TrialStart): FormResult<TrialUpgradeChoice> {
  const values = {
    plan: textField(body, 'plan', 100),
    computers: textField(body, 'computers', 20).replace(/[\s,]/g, ''),
    term: textField(body, 'term', 10),
  };
  // Safe is for one computer: the number is not asked.
  if (start.product.maxComputers === 1) values.computers = '1';
  const plan = start.plans.find((p) => p.id === values.plan);
  const computers = Number(values.computers);
  const problems = {
    plan: plan ? undefined : `Choose a plan of ${start.product.name}`,
    computers:
      values.computers === ''
        ? 'Enter the number of computers'
        : !/^\d+$/.test(values.computers)
          ? 'Number of computers must be a whole number, like 5'
          : computers < start.minComputers || computers > start.product.maxComputers
            ? `Number of computers must be between ${start.minComputers} and ${start.product.maxComputers}` +
              (start.computersUsed > start.product.minComputers ? ` (${start.computersUsed} computers are activated)` : '')
            : undefined,
    term: TERMS_IN_YEARS.some((t) => String(t) === values.term) ? undefined : 'Choose a term',
  };
  return formResult(values, problems, () => ({ planId: plan!.id, computers, termYears: Number(values.term) }));
}
