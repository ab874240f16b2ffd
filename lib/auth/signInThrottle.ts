// Sign-in throttling shared by the partner and the customer sign-in (models/rateLimits.ts):
// each attempt takes its place in both limits before the password is checked.
import type { Knex } from 'knex';
import { clearPlaces, givePlaceBack, minutesText, RATE_LIMITS, takePlace, type Place } from '../../models/rateLimits.ts';

export type SignInScope = 'partner' | 'customer';

export const ACCOUNT_FAILURES_ALLOWED = RATE_LIMITS['partner-sign-in-account'].max;

const accountLimit = (scope: SignInScope) => `${scope}-sign-in-account` as const;
const addressLimit = (scope: SignInScope) => `${scope}-sign-in-address` as const;

// The places an attempt holds while its password is checked.
export interface SignInAttempt {
  address: Place;
  account: Place;
}

// Takes the attempt's places, or answers why sign-in is paused (then it holds none).
export async function beginSignInAttempt(db: Knex, scope: SignInScope, email: string, address: string): Promise<SignInAttempt | { paused: string }> {
  const byAddress = await takePlace(db, addressLimit(scope), address);
  if (!byAddress.taken) {
    return { paused: `Too many failed sign-in attempts from your network. Try again in ${minutesText(byAddress.retryAfterSeconds)}.` };
  }
  const byAccount = await takePlace(db, accountLimit(scope), email.toLowerCase());
  if (!byAccount.taken) {
    // Refused before any check: not a failure of this address.
    await givePlaceBack(db, byAddress);
    return {
      paused: `Sign-in for this email address is paused after ${RATE_LIMITS[accountLimit(scope)].max} failed attempts. Try again in ${minutesText(byAccount.retryAfterSeconds)}.`,
    };
  }
  return { address: byAddress, account: byAccount };
}

// A wrong password keeps both places: they are its failures. A right one frees them, and the
// email's earlier failures go too.
export async function signInSucceeded(db: Knex, scope: SignInScope, email: string, attempt?: SignInAttempt): Promise<void> {
  if (attempt) await givePlaceBack(db, attempt.address);
  await clearPlaces(db, accountLimit(scope), email.toLowerCase());
}
