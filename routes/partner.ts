import { Router } from 'express';
import { paths, routePattern } from '../lib/paths.ts';
import { requirePartner } from '../lib/auth/passport.ts';
import { noStore } from '../lib/http/securityHeaders.ts';
import type { RouterDeps } from '../lib/deps.ts';
import * as signIn from '../controllers/partner/signIn.ts';
import * as accounts from '../controllers/partner/accounts.ts';
import * as purchases from '../controllers/partner/purchases.ts';
import * as registration from '../controllers/partner/registration.ts';
import * as handOver from '../controllers/partner/handOver.ts';
import * as activity from '../controllers/partner/activity.ts';
import * as orders from '../controllers/partner/orders.ts';
import * as renewals from '../controllers/partner/renewals.ts';
import * as settings from '../controllers/partner/settings.ts';
import * as password from '../controllers/partner/password.ts';
import * as forgotPassword from '../controllers/partner/forgotPassword.ts';
import * as resetPassword from '../controllers/partner/resetPassword.ts';

const withAccountId = (build: (accountId: string) => string) => routePattern(build, 'accountId');

export function partnerRouter(deps: RouterDeps): Router {
  const router = Router();
  // Partner pages show key codes, customers' emails and (Activity) network addresses: no
  // cache, the browser's included, keeps any of them.
  router.use('/partner', noStore);
  router.get(paths.partner.signIn, signIn.get);
  router.post(paths.partner.signIn, signIn.post(deps));
  router.post(paths.partner.signOut, signIn.signOutPost);
  router.get(paths.partner.forgotPassword, forgotPassword.get);
  router.post(paths.partner.forgotPassword, forgotPassword.post(deps));
  router.get(routePattern(paths.partner.resetPassword, 'token'), resetPassword.get(deps));
  router.post(routePattern(paths.partner.resetPassword, 'token'), resetPassword.post(deps));

  // Everything below needs a signed-in partner user.
  router.use('/partner', requirePartner);
  router.get(paths.partner.accounts, accounts.index(deps));
  router.get(paths.partner.accountsCsv, accounts.csv(deps));

  router.get(paths.partner.newPurchase, purchases.newPurchase(deps));
  router.post(paths.partner.newPurchase, purchases.saveDraft(deps));
  router.get(paths.partner.reviewPurchase, purchases.review(deps));
  router.post(paths.partner.completePurchase, purchases.complete(deps));

  router.get(withAccountId(paths.partner.account), accounts.show(deps));
  router.get(withAccountId(paths.partner.installCarbonite), accounts.install(deps));
  router.post(withAccountId(paths.partner.resendRegistration), registration.resend(deps));
  router.get(withAccountId(paths.partner.handOver), handOver.get(deps));
  router.post(withAccountId(paths.partner.handOver), handOver.post(deps));
  router.get(withAccountId(paths.partner.renew), renewals.get(deps));
  router.post(withAccountId(paths.partner.renew), renewals.post(deps));
  router.get(withAccountId(paths.partner.reviewRenewal), renewals.review(deps));
  router.post(withAccountId(paths.partner.completeRenewal), renewals.complete(deps));

  router.get(paths.partner.orders, orders.index(deps));
  router.get(paths.partner.ordersCsv, orders.csv(deps));
  router.get(routePattern(paths.partner.order, 'orderId'), orders.show(deps));

  router.get(paths.partner.activity, activity.index(deps));
  router.get(paths.partner.settings, settings.get(deps));
  router.get(paths.partner.changePassword, password.get);
  router.post(paths.partner.changePassword, password.post(deps));
  return router;
}
