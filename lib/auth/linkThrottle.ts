// Emailed links (registration and password reset) carry 256-bit tokens, so guessing is
// hopeless; still, an address that keeps opening links that do not exist is paused, with
// the state in PostgreSQL so every app instance counts the same misses.
import type { Request } from 'express';
import type { Knex } from 'knex';
import { HttpError } from '../http/errors.ts';
import { givePlaceBack, minutesText, takePlace, type Place } from '../../models/rateLimits.ts';

// Takes the link's place before it is looked up; answers 429 when the address is paused.
export async function refuseIfGuessing(db: Knex, req: Request): Promise<Place> {
  const place = await takePlace(db, 'unknown-link-address', req.ip ?? 'unknown');
  if (!place.taken) {
    throw new HttpError(429, `Too many links that do not work were opened from your network. Try again in ${minutesText(place.retryAfterSeconds)}.`);
  }
  return place;
}

// A link that exists was no guess: its place is freed.
export function linkWasKnown(db: Knex, place: Place): Promise<void> {
  return givePlaceBack(db, place);
}
