// Upgrade, from an account's Dashboard: another plan of the same product and (Safe Backup Pro)
// more computers; a review page with the prorated price and its rule; then Upgrade. The review
// page's one-time key makes every repeat of the last POST land on the one change it made.
import type { RequestHandler } from 'express';
import { paths } from '../../lib/paths.ts';
import { renderFailedForm } from '../../lib/forms/failedForm.ts';
import type { RouterDeps } from '../../lib/deps.ts';
import { clockAt } from '../../models/accounts/statuses.ts';
import { findAccountNameForPartner } from '../../models/accounts/details.ts';
import { changeSubscription, findChangeStart, InvalidChangeError, quoteChange } from '../../models/upgrades.ts';
import { readUpgrade, type UpgradeJourney } from '../../validators/upgrade.ts';
import { accountIdOf } from './accountParam.ts';
import { journeyToComplete, journeyToReview, newOneTimeKey, type ReviewJourney } from './reviewJourney.ts';

const upgrade: ReviewJourney<UpgradeJourney> = {
  journeyOf: (req) => req.session.upgrade,
  keyOf: (journey) => journey.changeKey,
  keyField: 'changeKey',
  orderKey: (changeKey) => `change:${changeKey}`,
  // A lower plan kept for the next term places no order: only the session knows it is done.
  completedIn: (journey) => Boolean(journey.done),
  form: paths.partner.upgrade,
  texts: {
    complete: 'This change is complete. Here is the account.',
    completedBefore: (orderId) => `This change was already made (order ${orderId}). Here is the account.`,
    changed: 'The change is no longer the one on that page. Check it and upgrade again.',
  },
};

async function formLocals(deps: RouterDeps, partnerId: number, accountId: number) {
  const start = await findChangeStart(deps.db, partnerId, accountId, clockAt());
  return { title: `Upgrade: ${start.customerName}`, activeTab: 'accounts', start };
}

export function get(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const accountId = accountIdOf(req.params.accountId);
    const locals = await formLocals(deps, req.user!.partnerId, accountId);
    if (locals.start.trial) {
      req.session.flash = { kind: 'info', text: 'This is a free trial: upgrade it to a paid subscription.' };
      return res.redirect(303, paths.partner.upgradeTrial(accountId));
    }
    if (locals.start.ended) {
      req.session.flash = { kind: 'info', text: 'This subscription has ended: Renew it first.' };
      return res.redirect(303, paths.partner.account(accountId));
    }
    const journey = req.session.upgrade;
    const values =
      journey && journey.accountId === accountId && !journey.done
        ? { plan: journey.change.planId, computers: String(journey.change.computers) }
        : { plan: (locals.start.nextPlan ?? locals.start.currentPlan).id, computers: String(locals.start.computers) };
    res.render('partner/upgrade', { ...locals, values });
  };
}

// Continue: the checked change goes to the review page with a fresh one-time key.
export function post(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const accountId = accountIdOf(req.params.accountId);
    const locals = await formLocals(deps, req.user!.partnerId, accountId);
    const form = readUpgrade(req.body, locals.start);
    if (!form.ok) return renderFailedForm(res, 'partner/upgrade', form, locals);
    req.session.upgrade = { accountId, change: form.value, changeKey: newOneTimeKey() };
    res.redirect(303, paths.partner.reviewUpgrade(accountId));
  };
}

export function review(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const partnerId = req.user!.partnerId;
    const accountId = accountIdOf(req.params.accountId);
    await findAccountNameForPartner(deps.db, partnerId, accountId);
    const journey = await journeyToReview(deps, req, res, upgrade, accountId);
    if (!journey) return;
    try {
      const quote = await quoteChange(deps.db, partnerId, accountId, journey.change, clockAt());
      res.render('partner/reviewUpgrade', { title: 'Check the upgrade', activeTab: 'accounts', quote, changeKey: journey.changeKey });
    } catch (error) {
      if (!(error instanceof InvalidChangeError)) throw error;
      req.session.flash = { kind: 'info', text: 'The subscription has changed since you chose. Choose again.' };
      res.redirect(303, paths.partner.upgrade(accountId));
    }
  };
}

export function complete(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const user = req.user!;
    const accountId = accountIdOf(req.params.accountId);
    const journey = await journeyToComplete(deps, req, res, upgrade, accountId);
    if (!journey) return;
    try {
      const placed = await changeSubscription(
        deps.db,
        user,
        { accountId, change: journey.change, orderKey: upgrade.orderKey(journey.changeKey) },
        { address: req.ip, config: deps.config, clock: clockAt() },
      );
      req.session.upgrade = { ...journey, done: true };
      req.session.flash = {
        kind: 'success',
        text: placed.orderId ? `Upgraded. Order ${placed.orderId} is in your Orders tab.` : 'Done: the plan you chose is kept for the next term, from the next renewal.',
      };
    } catch (error) {
      if (!(error instanceof InvalidChangeError)) throw error;
      req.session.flash = { kind: 'info', text: 'The subscription has changed since you chose. Nothing was changed.' };
    }
    res.redirect(303, paths.partner.account(accountId));
  };
}
