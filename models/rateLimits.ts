// Rate limits: every limit of the portal in one table, and the places attempts take in them
// (rows of rate_limit_hits, shared by every app instance; old rows are pruned by the worker).
import type { Knex } from 'knex';

export interface LimitRule {
  max: number;
  windowSeconds: number;
}

const MINUTE = 60;
const HOUR = 3600;

// What each limit counts, by the key it is counted under.
export const RATE_LIMITS = {
  // Failed sign-ins, per email address and per network address: each lifts by itself, so an
  // attacker can slow an account down, never lock its owner out for good.
  'partner-sign-in-account': { max: 5, windowSeconds: 15 * MINUTE },
  'partner-sign-in-address': { max: 30, windowSeconds: 15 * MINUTE },
  'customer-sign-in-account': { max: 5, windowSeconds: 15 * MINUTE },
  'customer-sign-in-address': { max: 30, windowSeconds: 15 * MINUTE },
  // Wrong current passwords from a signed-in customer or partner user, per user.
  'customer-current-password': { max: 5, windowSeconds: 15 * MINUTE },
  'partner-current-password': { max: 5, windowSeconds: 15 * MINUTE },
  // Emailed links that do not exist, per network address (registration and reset links).
  'unknown-link-address': { max: 50, windowSeconds: 15 * MINUTE },
  // Wrong serial numbers or computer names on the registration's computer step, per invitation.
  'registration-computer': { max: 10, windowSeconds: 30 * MINUTE },
  // New registration links asked for from an expired one: per invitation and per address.
  'registration-new-link': { max: 3, windowSeconds: HOUR },
  'registration-new-link-address': { max: 30, windowSeconds: HOUR },
  // Registration emails resent by the partner, per customer account.
  'registration-resend': { max: 5, windowSeconds: HOUR },
  // Reset emails asked for, per network address and per email address.
  'password-reset-address': { max: 30, windowSeconds: HOUR },
  'password-reset-email': { max: 3, windowSeconds: HOUR },
  // The same for partner users' reset emails (the Partner Portal's own form).
  'partner-password-reset-address': { max: 30, windowSeconds: HOUR },
  'partner-password-reset-email': { max: 3, windowSeconds: HOUR },
  // Wrong answers to the security question after a reset link, per reset link.
  'password-reset-answer': { max: 5, windowSeconds: HOUR },
  // Wrong two-factor codes (sign-in's second step, enrolment), per partner user.
  'partner-two-factor': { max: 5, windowSeconds: 15 * MINUTE },
  // Team invitations sent and resent, per partner company.
  'partner-invitation': { max: 30, windowSeconds: HOUR },
  // Email address changes asked for (each sends a link to the new address), per partner user.
  'partner-email-change': { max: 5, windowSeconds: HOUR },
  // Add an existing customer: requests sent, per partner company (each may email a customer).
  'partner-customer-request': { max: 20, windowSeconds: HOUR },
  // The backup client's activations, per network address.
  'api-activation-address': { max: 30, windowSeconds: 5 * MINUTE },
} as const satisfies Record<string, LimitRule>;

export type LimitName = keyof typeof RATE_LIMITS;

// A place taken (its hit, to give back if the attempt turns out not to count, and how many
// places are left after it), or a full limit.
export type Place = { taken: true; hitId: number; placesLeft: number } | { taken: false; retryAfterSeconds: number };

// Takes a place in the limit before the work it guards, atomically (migration 0200): of any
// number of attempts at once, at most the limit's max are given one.
export async function takePlace(db: Knex, name: LimitName, key: string): Promise<Place> {
  const { max, windowSeconds } = RATE_LIMITS[name];
  const result = await db.raw<{ rows: { hit_id: string | null; retry_after_seconds: number; places_left: number }[] }>(
    'SELECT hit_id, retry_after_seconds, places_left FROM rate_limit_take(?, ?, ?, ?)',
    [name, key, max, windowSeconds],
  );
  const row = result.rows[0];
  return row.hit_id === null
    ? { taken: false, retryAfterSeconds: row.retry_after_seconds }
    : { taken: true, hitId: Number(row.hit_id), placesLeft: row.places_left };
}

// Takes a place in each limit in turn; the first that is full gives the others back, so a
// refused attempt counts against none of them.
export async function takePlaces(db: Knex, wanted: [LimitName, string][]): Promise<{ taken: true; places: Place[] } | { taken: false; retryAfterSeconds: number }> {
  const places: Place[] = [];
  for (const [name, key] of wanted) {
    const place = await takePlace(db, name, key);
    if (!place.taken) {
      for (const held of places) await givePlaceBack(db, held);
      return { taken: false, retryAfterSeconds: place.retryAfterSeconds };
    }
    places.push(place);
  }
  return { taken: true, places };
}

// An attempt that does not count after all (a right password, a right answer) frees its place.
export async function givePlaceBack(db: Knex, place: Place): Promise<void> {
  if (place.taken) await db('rate_limit_hits').where({ id: place.hitId }).delete();
}

// Every place under a key goes (a successful sign-in clears its email's failures).
export async function clearPlaces(db: Knex, name: LimitName, key: string): Promise<void> {
  await db('rate_limit_hits').where({ bucket: name, key }).delete();
}

export async function pruneHits(db: Knex, olderThanSeconds = 24 * 3600): Promise<number> {
  return db('rate_limit_hits')
    .where('hit_at', '<', db.raw(`now() - make_interval(secs => ?)`, [olderThanSeconds]))
    .delete();
}

export function minutesText(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}
