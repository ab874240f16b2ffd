import { NotFoundError } from '../../lib/http/errors.ts';
import { idFrom } from '../../lib/forms/validation.ts';

// The :accountId of a partner URL. Anything but a plain positive number is no account: a 404,
// like another partner's account.
export function accountIdOf(value: unknown): number {
  const accountId = idFrom(value);
  if (accountId === undefined) throw new NotFoundError();
  return accountId;
}
