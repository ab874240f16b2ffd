// Upgrade to a paid subscription, from a trial's Dashboard: choose the plan, computers and
// term; check the price and the new end date on a review page; then Upgrade to paid. The review
// page's one-time key makes every repeat of the last POST land on the one order it placed.
import type { Request, RequestHandler, Response } from 'express';
import { paths } from '../../lib/paths.ts';
import { renderFailedForm } from '../../lib/forms/failedForm.ts';
import type { RouterDeps } from '../../lib/deps.ts';
import * as format from '../../lib/views/format.ts';
import { TERMS_IN_YEARS } from '../../models/catalog.ts';
import { clockAt } from '../../models/accounts/statuses.ts';
import { findAccountNameForPartner } from '../../models/accounts/details.ts';
import { findTrialStart, InvalidTrialUpgradeError, NotATrialError, quoteTrialUpgrade, upgradeTrial, type TrialStart } from '../../models/trials.ts';
import { readTrialUpgrade, type TrialUpgradeJourney } from '../../validators/trialUpgrade.ts';
import { accountIdOf } from './accountParam.ts';
import { journeyToComplete, journeyToReview, newOneTimeKey, type ReviewJourney } from './reviewJourney.ts';

const trialUpgrade: ReviewJourney<TrialUpgradeJourney> = {
  journeyOf: (req) => req.session.trialUpgrade,
  keyOf: (journey) => journey.upgradeKey,
  keyField: 'upgradeKey',
  orderKey: (upgradeKey) => `trial-upgrade:${upgradeKey}`,
  completedIn: (journey) => journey.orderId !== undefined,
  form: paths.partner.upgradeTrial,
  texts: {
    complete: 'This upgrade is complete. Here is the account.',
    completedBefore: (orderId) => `This upgrade was already completed (order ${orderId}). Here is the account.`,
    changed: 'The upgrade is no longer the one on that page. Check it and upgrade again.',
  },
};

const TITLE = 'Upgrade to a paid subscription';

// The trial, or (already paid, or never a trial) a redirect to its Dashboard saying so.
async function trialOrDashboard(deps: RouterDeps, req: Request, res: Response, accountId: number): Promise<TrialStart | undefined> {
  try {
    return await findTrialStart(deps.db, req.user!.partnerId, accountId, clockAt());
  } catch (error) {
    if (!(error instanceof NotATrialError)) throw error;
    req.session.flash = { kind: 'info', text: 'This subscription is not a trial: it is paid already.' };
    res.redirect(303, paths.partner.account(accountId));
    return undefined;
  }
}

const formLocals = (start: TrialStart) => ({ title: `${TITLE}: ${start.customerName}`, activeTab: 'accounts', start, terms: TERMS_IN_YEARS });

export function get(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const accountId = accountIdOf(req.params.accountId);
    const start = await trialOrDashboard(deps, req, res, accountId);
    if (!start) return;
    const journey = req.session.trialUpgrade;
    const values =
      journey && journey.accountId === accountId && !journey.orderId
        ? { plan: journey.choice.planId, computers: String(journey.choice.computers), term: String(journey.choice.termYears) }
        : { plan: start.plan.id, computers: String(Math.max(start.computers, start.minComputers)), term: '' };
    res.render('partner/upgradeTrial', { ...formLocals(start), values });
  };
}

// Continue: the checked choice goes to the review page with a fresh one-time key.
export function post(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const accountId = accountIdOf(req.params.accountId);
    const start = await trialOrDashboard(deps, req, res, accountId);
    if (!start) return;
    const form = readTrialUpgrade(req.body, start);
    if (!form.ok) return renderFailedForm(res, 'partner/upgradeTrial', form, formLocals(start));
    req.session.trialUpgrade = { accountId, choice: form.value, upgradeKey: newOneTimeKey() };
    res.redirect(303, paths.partner.reviewTrialUpgrade(accountId));
  };
}

export function review(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const partnerId = req.user!.partnerId;
    const accountId = accountIdOf(req.params.accountId);
    await findAccountNameForPartner(deps.db, partnerId, accountId);
    const journey = await journeyToReview(deps, req, res, trialUpgrade, accountId);
    if (!journey) return;
    const start = await trialOrDashboard(deps, req, res, accountId);
    if (!start) return;
    try {
      const quote = quoteTrialUpgrade(start, journey.choice, clockAt());
      res.render('partner/reviewTrialUpgrade', { title: 'Check the upgrade to a paid subscription', activeTab: 'accounts', quote, upgradeKey: journey.upgradeKey });
    } catch (error) {
      if (!(error instanceof InvalidTrialUpgradeError)) throw error;
      req.session.flash = { kind: 'info', text: 'The trial has changed since you chose. Choose again.' };
      res.redirect(303, paths.partner.upgradeTrial(accountId));
    }
  };
}

// Upgrade to paid. A repeat (double click, refresh, back button) finds the order its key placed.
export function complete(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const user = req.user!;
    const accountId = accountIdOf(req.params.accountId);
    const journey = await journeyToComplete(deps, req, res, trialUpgrade, accountId);
    if (!journey) return;
    try {
      const placed = await upgradeTrial(deps.db, user, { accountId, choice: journey.choice, orderKey: trialUpgrade.orderKey(journey.upgradeKey) }, { address: req.ip, config: deps.config, clock: clockAt() });
      req.session.trialUpgrade = { ...journey, orderId: placed.orderId };
      req.session.flash = {
        kind: 'success',
        text: `Upgraded to a paid subscription until ${format.date(placed.endsOn)}. The key code and the computers stay the same. Order ${placed.orderId} is in your Orders tab.`,
      };
    } catch (error) {
      if (error instanceof NotATrialError) req.session.flash = { kind: 'info', text: 'This trial was already upgraded to a paid subscription. Nothing was ordered.' };
      else if (error instanceof InvalidTrialUpgradeError) req.session.flash = { kind: 'info', text: 'The trial has changed since you chose. Nothing was ordered.' };
      else throw error;
    }
    res.redirect(303, paths.partner.account(accountId));
  };
}
