// The Orders tab's search (read from the address bar): part of a customer's name and a date range.
import { queryString } from '../lib/forms/validation.ts';
import { formResult, type FormResult } from '../lib/forms/result.ts';
import type { OrderFilters } from '../models/orders.ts';

export type OrderSearchValues = { q: string; from: string; to: string };

// A real calendar day written YYYY-MM-DD (what a date input sends).
function dayProblem(value: string, label: string): string | undefined {
  if (value === '') return undefined;
  const valid = /^\d{4}-\d{2}-\d{2}$/.test(value) && new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) === value;
  return valid ? undefined : `${label} must be a real date, like 2026-12-31`;
}

function isDay(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
}

export function orderSearchValues(filters: OrderFilters): OrderSearchValues {
  return { q: filters.search, from: filters.from ?? '', to: filters.to ?? '' };
}

export function readOrderSearch(query: Record<string, unknown>): FormResult<OrderFilters> {
  const values: OrderSearchValues = {
    // Control characters are never part of a name.
    // eslint-disable-next-line no-control-regex
    q: queryString(query.q, 100).replace(/[\u0000-\u001f\u007f-\u009f]/g, ''),
    from: queryString(query.from, 20),
    to: queryString(query.to, 20),
  };
  const problems = {
    from: dayProblem(values.from, 'From'),
    to:
      dayProblem(values.to, 'To') ??
      (isDay(values.from) && isDay(values.to) && values.to < values.from ? 'To must be the same as or after From' : undefined),
  };
  return formResult(values, problems, () => ({ search: values.q, from: values.from || undefined, to: values.to || undefined }));
}
