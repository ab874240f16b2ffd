// Upgrade: a plan of the same product and (Safe Backup Pro) the number of computers.
import { textField } from '../lib/forms/validation.ts';
import { formResult, type FormResult } from '../lib/forms/result.ts';
import type { Plan, Product } from '../models/catalog.ts';
import type { ChangeRequest } from '../models/upgrades.ts';

// req.session.upgrade: the change chosen for one account and its review page's one-time key.
export interface UpgradeJourney {
  accountId: number;
  change: ChangeRequest;
  changeKey: string;
  // Set once the change is made: going back to the review page then shows the account.
  done?: boolean;
}

export interface UpgradeStart {
  product: Product;
  plans: Plan[];
  currentPlan: Plan;
  nextPlan: Plan | undefined;
  computers: number;
}

export function readUpgrade(body: unknown, start: UpgradeStart): FormResult<ChangeRequest> {
  const values = {
    plan: textField(body, 'plan', 100),
    computers: textField(body, 'computers', 20).replace(/[\s,]/g, ''),
  };
  // Safe is for one computer: the number is not asked.
  if (start.product.maxComputers === 1) values.computers = String(start.computers);
  const plan = start.plans.find((p) => p.id === values.plan);
  const computers = Number(values.computers);
  const computersProblem =
    values.computers === ''
      ? 'Enter the number of computers'
      : !/^\d+$/.test(values.computers)
        ? 'Number of computers must be a whole number, like 5'
        : computers < start.computers
          ? `Number of computers cannot go below ${start.computers} during the term`
          : computers > start.product.maxComputers
            ? `Number of computers must be ${start.product.maxComputers} or fewer`
            : undefined;
  const unchanged = plan && !computersProblem && plan.id === (start.nextPlan ?? start.currentPlan).id && computers === start.computers;
  const problems = {
    plan: !plan ? `Choose a plan of ${start.product.name}` : unchanged ? 'Choose a different plan or more computers' : undefined,
    computers: computersProblem,
  };
  return formResult(values, problems, () => ({ planId: plan!.id, computers }));
}
