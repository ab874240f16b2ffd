// Settings ask for the current password (the customer's and the partner user's); guessing it
// from a signed-in session is throttled like a sign-in, per user.
import type { RouterDeps } from '../../lib/deps.ts';
import type { SessionUser } from '../../lib/auth/passport.ts';
import type { SignInScope } from '../../lib/auth/signInThrottle.ts';
import { clearPlaces, minutesText, takePlace, type LimitName } from '../../models/rateLimits.ts';
import { verifyCustomerPassword } from '../../models/customerUsers.ts';
import { verifyPartnerPassword } from '../../models/partners.ts';

const CURRENT_PASSWORD: Record<SignInScope, { limit: LimitName; verify: typeof verifyCustomerPassword }> = {
  customer: { limit: 'customer-current-password', verify: verifyCustomerPassword },
  partner: { limit: 'partner-current-password', verify: verifyPartnerPassword },
};

export async function checkCurrentPassword(deps: RouterDeps, user: SessionUser, password: string): Promise<{ status: number; message: string } | undefined> {
  const { limit, verify } = CURRENT_PASSWORD[user.kind];
  const key = String(user.id);
  // The place is taken before the password is checked: of many tries at once, no more than
  // the limit's are checked. A wrong password keeps it; a right one clears the user's failures.
  const place = await takePlace(deps.db, limit, key);
  if (!place.taken) return { status: 429, message: `Too many wrong passwords. Try again in ${minutesText(place.retryAfterSeconds)}` };
  if (!(await verify(deps.db, user.id, password))) return { status: 422, message: 'Your current password is not right' };
  await clearPlaces(deps.db, limit, key);
  return undefined;
}
