// The partner's backup monitoring forms: the thresholds (owner and administrators) and each
// user's weekly digest choice (their own Settings).
import { textField } from '../lib/forms/validation.ts';
import { formResult, type FormResult } from '../lib/forms/result.ts';
import type { HealthThresholds } from '../models/accounts/health.ts';

function daysProblem(value: string, label: string, min: number, max: number): string | undefined {
  if (value === '') return `Enter the number of days for ${label}`;
  if (!/^\d{1,4}$/.test(value)) return `Enter the number of days for ${label} as a whole number, like 3`;
  const days = Number(value);
  if (days < min || days > max) return `The number of days for ${label} must be between ${min} and ${max}`;
  return undefined;
}

export function readHealthThresholds(body: unknown): FormResult<HealthThresholds> {
  const overdueDays = textField(body, 'overdueDays', 20);
  const notBackingUpDays = textField(body, 'notBackingUpDays', 20);
  const overdueProblem = daysProblem(overdueDays, 'Overdue', 1, 90);
  let notBackingUpProblem = daysProblem(notBackingUpDays, 'Not backing up', 2, 365);
  if (!overdueProblem && !notBackingUpProblem && Number(notBackingUpDays) <= Number(overdueDays)) {
    notBackingUpProblem = 'Not backing up must be more days than Overdue';
  }
  return formResult({ overdueDays, notBackingUpDays }, { overdueDays: overdueProblem, notBackingUpDays: notBackingUpProblem }, () => ({
    overdueDays: Number(overdueDays),
    notBackingUpDays: Number(notBackingUpDays),
  }));
}

// A checkbox: ticked sends weeklyDigest=yes; unticked sends nothing.
export function readWeeklyDigest(body: unknown): FormResult<boolean> {
  const value = textField(body, 'weeklyDigest', 10);
  return formResult({ weeklyDigest: value }, {}, () => value === 'yes');
}
