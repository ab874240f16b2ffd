import type { RouterDeps } from '../../lib/deps.ts';
import type { SessionUser } from '../../lib/auth/passport.ts';
import { clearPlaces, minutesText, takePlace } from '../../models/rateLimits.ts';
import { verifyCustomerPassword } from '../../models/customerUsers.ts';

// Settings ask for the current password; guessing it from a signed-in session is throttled
// like a sign-in.
export async function checkCurrentPassword(deps: RouterDeps, user: SessionUser, password: string): Promise<{ status: number; message: string } | undefined> {
  const key = String(user.id);
  // The place is taken before the password is checked: of many tries at once, no more than
  // the limit's are checked. A wrong password keeps it; a right one clears the user's failures.
  const place = await takePlace(deps.db, 'customer-current-password', key);
  if (!place.taken) return { status: 429, message: `Too many wrong passwords. Try again in ${minutesText(place.retryAfterSeconds)}` };
  if (!(await verifyCustomerPassword(deps.db, user.id, password))) return { status: 422, message: 'Your current password is not right' };
  await clearPlaces(deps.db, 'customer-current-password', key);
  return undefined;
}
