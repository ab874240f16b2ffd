import type { Request } from 'express';
import type { Knex } from 'knex';
import { HttpError } from '../http/errors.ts';
import { checkLimit, minutesText, recordHit, type Limit } from '../../models/rateLimits.ts';

// Emailed links (registration and password reset) carry 256-bit tokens, so guessing is
// hopeless; still, an address that keeps opening links that do not exist is paused, with
// the state in PostgreSQL so every app instance counts the same misses.
const unknownLinks: Limit = { bucket: 'unknown-link-address', max: 50, windowSeconds: 15 * 60 };

export async function refuseIfGuessing(db: Knex, req: Request): Promise<void> {
  const state = await checkLimit(db, unknownLinks, req.ip ?? 'unknown');
  if (state.limited) {
    throw new HttpError(429, `Too many links that do not work were opened from your network. Try again in ${minutesText(state.retryAfterSeconds)}.`);
  }
}

export function countUnknownLink(db: Knex, req: Request): Promise<void> {
  return recordHit(db, unknownLinks, req.ip ?? 'unknown');
}
