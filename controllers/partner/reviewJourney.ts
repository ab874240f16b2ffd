// Renew, Upgrade and Upgrade to a paid subscription share one journey: a form whose choice is
// kept in the session with a fresh one-time key, a review page, and a complete POST that
// places the order once per key. Each journey gives what differs: its session field, its
// form's address and its words; the review page and the order stay its own.
import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import { paths } from '../../lib/paths.ts';
import { textField } from '../../lib/forms/validation.ts';
import type { RouterDeps } from '../../lib/deps.ts';
import { findAccountNameForPartner } from '../../models/accounts/details.ts';
import { findOrderIdByKey } from '../../models/subscriptionChanges.ts';

// The key a form stores for its review page, and the shape the complete POST accepts back.
export const newOneTimeKey = (): string => crypto.randomUUID();
const ONE_TIME_KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface ReviewJourney<Journey extends { accountId: number }> {
  journeyOf(req: Request): Journey | undefined;
  keyOf(journey: Journey): string;
  // The review page's hidden field that posts the key back.
  keyField: string;
  // The order key the journey's key places its order under.
  orderKey(key: string): string;
  // Complete, as this session last stored it.
  completedIn(journey: Journey): boolean;
  form(accountId: number): string;
  texts: {
    // The review page, back to after completing.
    complete: string;
    // The complete POST again, once the key's order exists.
    completedBefore(orderId: number): string;
    // The complete POST of a review page that is not this session's journey any more.
    changed: string;
  };
}

// Done already: back to the account, saying so. Answers undefined, as the journey functions do once they have redirected.
function backToAccount(req: Request, res: Response, accountId: number, text: string): undefined {
  req.session.flash = { kind: 'info', text };
  res.redirect(303, paths.partner.account(accountId));
  return undefined;
}

// The journey the review page shows, once the caller has found the account is the partner's;
// otherwise undefined, having redirected: to the form when there is no journey for this
// account, to the account when it is complete.
export async function journeyToReview<Journey extends { accountId: number }>(
  deps: RouterDeps,
  req: Request,
  res: Response,
  flow: ReviewJourney<Journey>,
  accountId: number,
): Promise<Journey | undefined> {
  const journey = flow.journeyOf(req);
  if (!journey || journey.accountId !== accountId) {
    res.redirect(303, flow.form(accountId));
    return undefined;
  }
  // Complete already: the session may not say so when submits raced (the last one stored wins).
  if (flow.completedIn(journey) || (await findOrderIdByKey(deps.db, req.user!.partnerId, flow.orderKey(flow.keyOf(journey))))) {
    return backToAccount(req, res, accountId, flow.texts.complete);
  }
  return journey;
}

// The journey the complete POST may place, its key the one the review page posted; otherwise
// undefined, having redirected. A repeat (double click, refresh, back button) finds the order
// its key placed and goes to the account; a stale or unknown key goes back to the form.
export async function journeyToComplete<Journey extends { accountId: number }>(
  deps: RouterDeps,
  req: Request,
  res: Response,
  flow: ReviewJourney<Journey>,
  accountId: number,
): Promise<Journey | undefined> {
  const partnerId = req.user!.partnerId;
  await findAccountNameForPartner(deps.db, partnerId, accountId);
  const key = textField(req.body, flow.keyField, 100);
  if (!ONE_TIME_KEY.test(key)) {
    res.redirect(303, flow.form(accountId));
    return undefined;
  }
  const placedBefore = await findOrderIdByKey(deps.db, partnerId, flow.orderKey(key));
  if (placedBefore) return backToAccount(req, res, accountId, flow.texts.completedBefore(placedBefore));
  const journey = flow.journeyOf(req);
  if (!journey || journey.accountId !== accountId || flow.keyOf(journey) !== key || flow.completedIn(journey)) {
    req.session.flash = { kind: 'info', text: flow.texts.changed };
    res.redirect(303, flow.form(accountId));
    return undefined;
  }
  return journey;
}
