import { queryString } from '../../lib/validation.ts';

// The keyset cursor of a mail list (?before=<id>); anything but a plain id is the first page.
export function beforeCursor(value: unknown): number | undefined {
  const raw = queryString(value, 16);
  return /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
}
