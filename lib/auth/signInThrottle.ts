import type { Knex } from 'knex';
import { checkLimit, clearHits, minutesText, recordHit, type Limit } from '../../models/rateLimits.ts';

// Sign-in throttling shared by the partner and the customer sign-in. Both limits count
// failures over a sliding 15 minutes, so each lifts by itself: an attacker can slow an
// account down, never lock its owner out for good.
export type SignInScope = 'partner' | 'customer';

export const ACCOUNT_FAILURES_ALLOWED = 5;
export const ADDRESS_FAILURES_ALLOWED = 30;
const WINDOW_SECONDS = 15 * 60;

const accountLimit = (scope: SignInScope): Limit => ({ bucket: `${scope}-sign-in-account`, max: ACCOUNT_FAILURES_ALLOWED, windowSeconds: WINDOW_SECONDS });
const addressLimit = (scope: SignInScope): Limit => ({ bucket: `${scope}-sign-in-address`, max: ADDRESS_FAILURES_ALLOWED, windowSeconds: WINDOW_SECONDS });

export async function signInPausedMessage(db: Knex, scope: SignInScope, email: string, address: string): Promise<string | undefined> {
  const byAddress = await checkLimit(db, addressLimit(scope), address);
  if (byAddress.limited) {
    return `Too many failed sign-in attempts from your network. Try again in ${minutesText(byAddress.retryAfterSeconds)}.`;
  }
  const byAccount = await checkLimit(db, accountLimit(scope), email.toLowerCase());
  if (byAccount.limited) {
    return `Sign-in for this email address is paused after ${ACCOUNT_FAILURES_ALLOWED} failed attempts. Try again in ${minutesText(byAccount.retryAfterSeconds)}.`;
  }
  return undefined;
}

export async function recordSignInFailure(db: Knex, scope: SignInScope, email: string, address: string): Promise<void> {
  await recordHit(db, addressLimit(scope), address);
  if (email !== '') await recordHit(db, accountLimit(scope), email.toLowerCase());
}

export async function recordSignInSuccess(db: Knex, scope: SignInScope, email: string): Promise<void> {
  await clearHits(db, accountLimit(scope), email.toLowerCase());
}
