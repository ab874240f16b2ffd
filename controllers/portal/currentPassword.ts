import type { RouterDeps } from '../../lib/deps.ts';
import type { SessionUser } from '../../lib/auth/passport.ts';
import { checkLimit, clearHits, minutesText, recordHit, type Limit } from '../../models/rateLimits.ts';
import { verifyCustomerPassword } from '../../models/customerUsers.ts';

// Settings ask for the current password; guessing it from a signed-in session is throttled
// like a sign-in.
const wrongCurrentPassword: Limit = { bucket: 'customer-current-password', max: 5, windowSeconds: 15 * 60 };

export async function checkCurrentPassword(deps: RouterDeps, user: SessionUser, password: string): Promise<{ status: number; message: string } | undefined> {
  const key = String(user.id);
  const paused = await checkLimit(deps.db, wrongCurrentPassword, key);
  if (paused.limited) return { status: 429, message: `Too many wrong passwords. Try again in ${minutesText(paused.retryAfterSeconds)}` };
  if (!(await verifyCustomerPassword(deps.db, user.id, password))) {
    await recordHit(deps.db, wrongCurrentPassword, key);
    return { status: 422, message: 'Your current password is not right' };
  }
  await clearHits(deps.db, wrongCurrentPassword, key);
  return undefined;
}
