import crypto from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { paths } from '../../lib/paths.ts';
import { textField } from '../../lib/forms/validation.ts';
import { renderFailedForm } from '../../lib/forms/failedForm.ts';
import type { RouterDeps } from '../../lib/deps.ts';
import { loadCatalog, totalPriceCents, TERMS_IN_YEARS, type Catalog } from '../../models/catalog.ts';
import { placePurchase, subscriptionTerm } from '../../models/purchases.ts';
import { findAccountByPurchaseKey, findAccountForPartner } from '../../models/accounts/details.ts';
import { idFrom } from '../../lib/forms/validation.ts';
import { purchaseFormValues, readPurchase, type PurchaseFormValues } from '../../validators/purchase.ts';

const BLANK: PurchaseFormValues = { customerName: '', customerEmail: '', product: '', plan: '', computers: '', term: '', administrator: '' };
const PURCHASE_KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const formLocals = (catalog: Catalog) => ({ title: 'New purchase', activeTab: 'accounts', catalog, terms: TERMS_IN_YEARS });

function renderForm(res: Response, catalog: Catalog, values: PurchaseFormValues): void {
  res.render('partner/newPurchase', { ...formLocals(catalog), values });
}

// The form, with the draft's values when the partner comes back from the review page to change
// something, or (Add a new computer, ?from=<account>) prefilled with that account's customer.
export function newPurchase(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const catalog = await loadCatalog(deps.db);
    const journey = req.session.purchase;
    const from = idFrom(req.query.from);
    if (from !== undefined) {
      const account = await findAccountForPartner(deps.db, req.user!.partnerId, from);
      return renderForm(res, catalog, { ...BLANK, customerName: account.name, customerEmail: account.email, product: account.productId, administrator: account.administrator });
    }
    renderForm(res, catalog, journey && !journey.accountId ? purchaseFormValues(journey.draft) : BLANK);
  };
}

// Continue: a checked draft goes to the review page with a fresh one-time purchase key.
export function saveDraft(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const catalog = await loadCatalog(deps.db);
    const form = readPurchase(req.body, catalog);
    if (!form.ok) return renderFailedForm(res, 'partner/newPurchase', form, formLocals(catalog));
    req.session.purchase = { draft: form.value, purchaseKey: crypto.randomUUID() };
    res.redirect(303, paths.partner.reviewPurchase);
  };
}

export function review(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const journey = req.session.purchase;
    if (!journey) return res.redirect(303, paths.partner.newPurchase);
    if (journey.accountId) {
      req.session.flash = { kind: 'info', text: 'This purchase is complete. Here is the account.' };
      return res.redirect(303, paths.partner.account(journey.accountId));
    }
    const catalog = await loadCatalog(deps.db);
    const { draft } = journey;
    const product = catalog.products.find((p) => p.id === draft.productId)!;
    const plan = catalog.plans.find((p) => p.id === draft.planId)!;
    res.render('partner/reviewPurchase', {
      title: 'Check the purchase',
      activeTab: 'accounts',
      draft,
      product,
      plan,
      totalCents: totalPriceCents(plan, draft.computers, draft.termYears),
      ...subscriptionTerm(draft.termYears),
      purchaseKey: journey.purchaseKey,
      registrationLinkDays: deps.config.registrationLinkDays,
    });
  };
}

// Complete purchase. The purchase key makes every repeat of this POST (a double click, a
// refresh, the back button) land on the one account it placed.
export function complete(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const user = req.user!;
    const purchaseKey = textField(req.body, 'purchaseKey', 100);
    const journey = req.session.purchase;
    if (!PURCHASE_KEY.test(purchaseKey)) return res.redirect(303, journey ? paths.partner.reviewPurchase : paths.partner.newPurchase);

    const placedBefore = await findAccountByPurchaseKey(deps.db, user.partnerId, purchaseKey);
    if (placedBefore) {
      req.session.flash = { kind: 'info', text: 'This purchase was already completed. Here is the account.' };
      return res.redirect(303, paths.partner.account(placedBefore));
    }
    if (!journey || journey.purchaseKey !== purchaseKey || journey.accountId) {
      req.session.flash = { kind: 'info', text: 'The purchase details have changed since that page was shown. Check them and complete the purchase again.' };
      return res.redirect(303, journey && !journey.accountId ? paths.partner.reviewPurchase : paths.partner.newPurchase);
    }

    const { draft } = journey;
    const placed = await placePurchase(deps.db, user, { ...draft, purchaseKey }, { address: req.ip, config: deps.config });
    req.session.purchase = { ...journey, accountId: placed.accountId };
    req.session.flash = {
      kind: 'success',
      text:
        draft.administrator === 'partner'
          ? `Purchase complete. You are the account administrator: use Install ${deps.config.brandName} to set up the customer’s computers.`
          : `Purchase complete. A registration email is on its way to ${draft.customerEmail}.`,
    };
    res.redirect(303, paths.partner.account(placed.accountId));
  };
}
