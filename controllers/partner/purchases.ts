// New purchase and Start a trial: one form, one review page, one complete step. A trial is a
// purchase without an order and with TRIAL_DAYS for its term; its journey is kept apart.
import crypto from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { paths } from '../../lib/paths.ts';
import { textField } from '../../lib/forms/validation.ts';
import { renderFailedForm } from '../../lib/forms/failedForm.ts';
import type { RouterDeps } from '../../lib/deps.ts';
import { loadCatalog, totalPriceCents, TERMS_IN_YEARS, type Catalog } from '../../models/catalog.ts';
import { placePurchase, subscriptionTerm, trialMaxComputers, trialTaken, trialTerm, TrialTakenError } from '../../models/purchases.ts';
import { refusedForm } from '../../lib/forms/result.ts';
import * as format from '../../lib/views/format.ts';
import { findAccountByPurchaseKey, findAccountForPartner } from '../../models/accounts/details.ts';
import { idFrom } from '../../lib/forms/validation.ts';
import { purchaseFormValues, readPurchase, type PurchaseDraft, type PurchaseFormValues } from '../../validators/purchase.ts';

const BLANK: PurchaseFormValues = { customerName: '', customerEmail: '', product: '', plan: '', computers: '', term: '', administrator: '' };
const PURCHASE_KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export type PurchaseKind = 'purchase' | 'trial';

// What differs between New purchase and Start a trial: the words, the addresses, the journey.
const FLOWS = {
  purchase: { title: 'New purchase', reviewTitle: 'Check the purchase', form: paths.partner.newPurchase, review: paths.partner.reviewPurchase, complete: paths.partner.completePurchase },
  trial: { title: 'Start a trial', reviewTitle: 'Check the trial', form: paths.partner.newTrial, review: paths.partner.reviewTrial, complete: paths.partner.startTrial },
} as const;

const journeyOf = (req: Request, kind: PurchaseKind) => (kind === 'trial' ? req.session.trial : req.session.purchase);
function setJourney(req: Request, kind: PurchaseKind, journey: NonNullable<Request['session']['purchase']>): void {
  if (kind === 'trial') req.session.trial = journey;
  else req.session.purchase = journey;
}

const formLocals = (deps: RouterDeps, catalog: Catalog, kind: PurchaseKind) => ({
  title: FLOWS[kind].title,
  activeTab: 'accounts',
  catalog,
  terms: TERMS_IN_YEARS,
  flow: FLOWS[kind],
  // Start a trial: its days and each product's most computers for a trial.
  trial: kind === 'trial' ? { days: deps.config.trialDays, maxComputers: Object.fromEntries(catalog.products.map((p) => [p.id, trialMaxComputers(p)])) } : undefined,
});

function renderForm(res: Response, deps: RouterDeps, catalog: Catalog, kind: PurchaseKind, values: PurchaseFormValues): void {
  res.render('partner/newPurchase', { ...formLocals(deps, catalog, kind), values });
}

// "jo@example.com has had a trial of Safe already": one trial per customer email, product and partner.
function trialTakenForm(catalog: Catalog, values: PurchaseFormValues, draft: Pick<PurchaseDraft, 'customerEmail' | 'productId'>) {
  const product = catalog.products.find((p) => p.id === draft.productId)!;
  return refusedForm(values, {
    customerEmail: `${draft.customerEmail} has already had a trial of ${product.name}: one trial per customer and product. Use New purchase to buy a subscription instead`,
  });
}

// The form, with the draft's values when the partner comes back from the review page to change
// something, or (Add a new computer, ?from=<account>) prefilled with that account's customer.
export function newPurchase(deps: RouterDeps, kind: PurchaseKind = 'purchase'): RequestHandler {
  return async (req, res) => {
    const catalog = await loadCatalog(deps.db);
    const journey = journeyOf(req, kind);
    const from = kind === 'purchase' ? idFrom(req.query.from) : undefined;
    if (from !== undefined) {
      const account = await findAccountForPartner(deps.db, req.user!.partnerId, from);
      return renderForm(res, deps, catalog, kind, { ...BLANK, customerName: account.name, customerEmail: account.email, product: account.productId, administrator: account.administrator });
    }
    renderForm(res, deps, catalog, kind, journey && !journey.accountId ? purchaseFormValues(journey.draft) : BLANK);
  };
}

// Continue: a checked draft goes to the review page with a fresh one-time purchase key.
// A trial the customer has had already is refused here, before the review page.
export function saveDraft(deps: RouterDeps, kind: PurchaseKind = 'purchase'): RequestHandler {
  return async (req, res) => {
    const catalog = await loadCatalog(deps.db);
    const form = readPurchase(req.body, catalog, kind === 'trial' ? deps.config.trialDays : undefined);
    if (!form.ok) return renderFailedForm(res, 'partner/newPurchase', form, formLocals(deps, catalog, kind));
    if (kind === 'trial' && (await trialTaken(deps.db, req.user!.partnerId, form.value.customerEmail, form.value.productId))) {
      return renderFailedForm(res, 'partner/newPurchase', trialTakenForm(catalog, purchaseFormValues(form.value), form.value), formLocals(deps, catalog, kind));
    }
    setJourney(req, kind, { draft: form.value, purchaseKey: crypto.randomUUID() });
    res.redirect(303, FLOWS[kind].review);
  };
}

export function review(deps: RouterDeps, kind: PurchaseKind = 'purchase'): RequestHandler {
  return async (req, res) => {
    const journey = journeyOf(req, kind);
    if (!journey) return res.redirect(303, FLOWS[kind].form);
    if (journey.accountId) {
      req.session.flash = { kind: 'info', text: kind === 'trial' ? 'This trial has started. Here is the account.' : 'This purchase is complete. Here is the account.' };
      return res.redirect(303, paths.partner.account(journey.accountId));
    }
    const catalog = await loadCatalog(deps.db);
    const { draft } = journey;
    const product = catalog.products.find((p) => p.id === draft.productId)!;
    const plan = catalog.plans.find((p) => p.id === draft.planId)!;
    res.render('partner/reviewPurchase', {
      title: FLOWS[kind].reviewTitle,
      activeTab: 'accounts',
      flow: FLOWS[kind],
      draft,
      product,
      plan,
      totalCents: draft.trialDays === undefined ? totalPriceCents(plan, draft.computers, draft.termYears) : 0,
      ...(draft.trialDays === undefined ? subscriptionTerm(draft.termYears) : trialTerm(draft.trialDays)),
      purchaseKey: journey.purchaseKey,
      registrationLinkDays: deps.config.registrationLinkDays,
    });
  };
}

// Complete purchase. The purchase key makes every repeat of this POST (a double click, a
// refresh, the back button) land on the one account it placed.
export function complete(deps: RouterDeps, kind: PurchaseKind = 'purchase'): RequestHandler {
  return async (req, res) => {
    const user = req.user!;
    const flow = FLOWS[kind];
    const what = kind === 'trial' ? 'trial' : 'purchase';
    const purchaseKey = textField(req.body, 'purchaseKey', 100);
    const journey = journeyOf(req, kind);
    if (!PURCHASE_KEY.test(purchaseKey)) return res.redirect(303, journey ? flow.review : flow.form);

    const placedBefore = await findAccountByPurchaseKey(deps.db, user.partnerId, purchaseKey);
    if (placedBefore) {
      req.session.flash = { kind: 'info', text: kind === 'trial' ? 'This trial has already started. Here is the account.' : 'This purchase was already completed. Here is the account.' };
      return res.redirect(303, paths.partner.account(placedBefore));
    }
    if (!journey || journey.purchaseKey !== purchaseKey || journey.accountId) {
      req.session.flash = { kind: 'info', text: `The ${what} details have changed since that page was shown. Check them and ${kind === 'trial' ? 'start the trial' : 'complete the purchase'} again.` };
      return res.redirect(303, journey && !journey.accountId ? flow.review : flow.form);
    }

    const { draft } = journey;
    let placed;
    try {
      placed = await placePurchase(deps.db, user, { ...draft, purchaseKey }, { address: req.ip, config: deps.config });
    } catch (error) {
      // Another tab (or person) started the same customer's trial of the product meanwhile.
      if (!(error instanceof TrialTakenError)) throw error;
      const catalog = await loadCatalog(deps.db);
      return renderFailedForm(res, 'partner/newPurchase', trialTakenForm(catalog, purchaseFormValues(draft), draft), formLocals(deps, catalog, kind));
    }
    setJourney(req, kind, { ...journey, accountId: placed.accountId });
    const started = draft.trialDays === undefined ? 'Purchase complete.' : `Trial started: free until ${format.date(trialTerm(draft.trialDays).endsOn)}.`;
    req.session.flash = {
      kind: 'success',
      text:
        draft.administrator === 'partner'
          ? `${started} You are the account administrator: use Install ${deps.config.brandName} to set up the customer’s computers.`
          : `${started} A registration email is on its way to ${draft.customerEmail}.`,
    };
    res.redirect(303, paths.partner.account(placed.accountId));
  };
}
