// Renew, from an account's Dashboard: choose 1, 2 or 3 years, check the price and the new
// end date on a review page, then Renew. The review page's one-time key makes every repeat
// of the last POST land on the one renewal it placed.
import type { RequestHandler, Response } from 'express';
import { paths } from '../../lib/paths.ts';
import { renderFailedForm } from '../../lib/forms/failedForm.ts';
import type { RouterDeps } from '../../lib/deps.ts';
import * as format from '../../lib/views/format.ts';
import { TERMS_IN_YEARS } from '../../models/catalog.ts';
import { clockAt } from '../../models/accounts/statuses.ts';
import { PlanRetiredError, quoteRenewal, renewSubscription, type RenewalQuote } from '../../models/renewals.ts';
import { readRenewal, type RenewalJourney } from '../../validators/renewal.ts';
import { TrialSubscriptionError } from '../../models/trials.ts';
import { accountIdOf } from './accountParam.ts';
import { journeyToComplete, journeyToReview, newOneTimeKey, type ReviewJourney } from './reviewJourney.ts';

const renewal: ReviewJourney<RenewalJourney> = {
  journeyOf: (req) => req.session.renewal,
  keyOf: (journey) => journey.renewalKey,
  keyField: 'renewalKey',
  orderKey: (renewalKey) => `renewal:${renewalKey}`,
  completedIn: (journey) => journey.orderId !== undefined,
  form: paths.partner.renew,
  texts: {
    complete: 'This renewal is complete. Here is the account.',
    completedBefore: (orderId) => `This renewal was already completed (order ${orderId}). Here is the account.`,
    changed: 'The renewal has changed since that page was shown. Check it and renew again.',
  },
};

const retiredText = (quote: RenewalQuote) =>
  `The ${quote.planName} plan is no longer sold, so this subscription cannot be renewed on it. Upgrade it to another plan first.`;

// The choices, each with its price and new end date, so the partner sees them before choosing.
async function formLocals(deps: RouterDeps, partnerId: number, accountId: number) {
  const clock = clockAt();
  const quotes = await Promise.all(TERMS_IN_YEARS.map((years) => quoteRenewal(deps.db, partnerId, accountId, years, clock)));
  return { title: `Renew: ${quotes[0].customerName}`, activeTab: 'accounts', quotes, accountId };
}

function renderForm(res: Response, locals: Awaited<ReturnType<typeof formLocals>>, years: string): void {
  res.render('partner/renew', { ...locals, values: { years } });
}

export function get(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const accountId = accountIdOf(req.params.accountId);
    const locals = await formLocals(deps, req.user!.partnerId, accountId);
    if (locals.quotes[0].trial) {
      req.session.flash = { kind: 'info', text: 'This is a free trial: upgrade it to a paid subscription instead of renewing it.' };
      return res.redirect(303, paths.partner.upgradeTrial(accountId));
    }
    const journey = req.session.renewal;
    renderForm(res, locals, journey && journey.accountId === accountId && !journey.orderId ? String(journey.years) : '');
  };
}

// Continue: the checked choice goes to the review page with a fresh one-time key.
export function post(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const accountId = accountIdOf(req.params.accountId);
    const locals = await formLocals(deps, req.user!.partnerId, accountId);
    const form = readRenewal(req.body);
    if (!form.ok) return renderFailedForm(res, 'partner/renew', form, locals);
    req.session.renewal = { accountId, years: form.value.years, renewalKey: newOneTimeKey() };
    res.redirect(303, paths.partner.reviewRenewal(accountId));
  };
}

export function review(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const accountId = accountIdOf(req.params.accountId);
    // The account must be the partner's even when there is nothing to review.
    const quote = await quoteRenewal(deps.db, req.user!.partnerId, accountId, req.session.renewal?.years ?? 1, clockAt());
    const journey = await journeyToReview(deps, req, res, renewal, accountId);
    if (!journey) return;
    res.render('partner/reviewRenewal', {
      title: 'Check the renewal',
      activeTab: 'accounts',
      quote,
      renewalKey: journey.renewalKey,
      retiredText: quote.planRetired ? retiredText(quote) : undefined,
    });
  };
}

// Renew. A repeat (double click, refresh, back button) finds the order its key placed.
export function complete(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const user = req.user!;
    const accountId = accountIdOf(req.params.accountId);
    const journey = await journeyToComplete(deps, req, res, renewal, accountId);
    if (!journey) return;
    try {
      const placed = await renewSubscription(
        deps.db,
        user,
        { accountId, years: journey.years, orderKey: renewal.orderKey(journey.renewalKey) },
        { address: req.ip, config: deps.config, clock: clockAt() },
      );
      req.session.renewal = { ...journey, orderId: placed.orderId };
      req.session.flash = {
        kind: 'success',
        text: `Renewed: the subscription now ends on ${format.date(placed.endsOn)}. The key code and the computers stay the same. Order ${placed.orderId} is in your Orders tab.`,
      };
    } catch (error) {
      if (!(error instanceof PlanRetiredError || error instanceof TrialSubscriptionError)) throw error;
      req.session.flash = { kind: 'info', text: error.message + '. Nothing was renewed.' };
    }
    res.redirect(303, paths.partner.account(accountId));
  };
}
