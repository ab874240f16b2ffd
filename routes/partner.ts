import { Router } from 'express';
import { paths, routePattern } from '../lib/paths.ts';
import { requirePartner } from '../lib/auth/passport.ts';
import { requireRoleForRoute } from '../lib/auth/roles.ts';
import { noStore } from '../lib/http/securityHeaders.ts';
import type { RouterDeps } from '../lib/deps.ts';
import * as signIn from '../controllers/partner/signIn.ts';
import * as accounts from '../controllers/partner/accounts.ts';
import * as purchases from '../controllers/partner/purchases.ts';
import * as bulkPurchases from '../controllers/partner/bulkPurchases.ts';
import * as registration from '../controllers/partner/registration.ts';
import * as handOver from '../controllers/partner/handOver.ts';
import * as releaseAccount from '../controllers/partner/releaseAccount.ts';
import * as addExistingCustomer from '../controllers/partner/addExistingCustomer.ts';
import * as activity from '../controllers/partner/activity.ts';
import * as orders from '../controllers/partner/orders.ts';
import * as renewals from '../controllers/partner/renewals.ts';
import * as autoRenew from '../controllers/partner/autoRenew.ts';
import * as upgrades from '../controllers/partner/upgrades.ts';
import * as trialUpgrades from '../controllers/partner/trialUpgrades.ts';
import * as settings from '../controllers/partner/settings.ts';
import * as overview from '../controllers/partner/overview.ts';
import * as weeklyDigest from '../controllers/partner/weeklyDigest.ts';
import * as password from '../controllers/partner/password.ts';
import * as forgotPassword from '../controllers/partner/forgotPassword.ts';
import * as resetPassword from '../controllers/partner/resetPassword.ts';
import * as twoFactor from '../controllers/partner/twoFactor.ts';
import * as team from '../controllers/partner/team.ts';
import * as invitation from '../controllers/partner/invitation.ts';
import * as userSettings from '../controllers/partner/userSettings.ts';
import * as company from '../controllers/partner/company.ts';

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
  // The sign-in's second step and an invitation's acceptance come before the session is signed in.
  router.get(paths.partner.signInCode, twoFactor.codeGet(deps));
  router.post(paths.partner.signInCode, twoFactor.codePost(deps));
  router.get(paths.partner.signInSetUpTwoFactor, twoFactor.setUpGet(deps, 'sign-in'));
  router.post(paths.partner.signInSetUpTwoFactor, twoFactor.setUpPost(deps, 'sign-in'));
  router.get(routePattern(paths.partner.acceptInvitation, 'token'), invitation.get(deps));
  router.post(routePattern(paths.partner.acceptInvitation, 'token'), invitation.post(deps));
  // The link confirming a new email address may be opened in a browser not signed in.
  router.get(routePattern(paths.partner.confirmEmailChange, 'token'), userSettings.confirmGet(deps));
  router.post(routePattern(paths.partner.confirmEmailChange, 'token'), userSettings.confirmPost(deps));
  // The partner's logo is for their customers too: no session needed.
  router.get('/logos/partners/:partnerId', company.logoGet(deps));

  // Everything below needs a signed-in partner user, whose role allows the address
  // (lib/auth/roles.ts: every route under /partner, those added later included).
  router.use('/partner', requirePartner, requireRoleForRoute);
  router.get(paths.partner.accounts, accounts.index(deps));
  router.get(paths.partner.accountsCsv, accounts.csv(deps));
  router.get(paths.partner.overview, overview.index(deps));
  router.get(paths.partner.backupMonitoring, overview.monitoringGet(deps));
  router.post(paths.partner.backupMonitoring, overview.monitoringPost(deps));
  router.post(paths.partner.weeklyDigest, weeklyDigest.post(deps));

  router.get(paths.partner.newPurchase, purchases.newPurchase(deps));
  router.post(paths.partner.newPurchase, purchases.saveDraft(deps));
  router.get(paths.partner.reviewPurchase, purchases.review(deps));
  router.post(paths.partner.completePurchase, purchases.complete(deps));
  // Bulk purchase by CSV: upload, preview, Place, the result and its report.
  const withUploadId = (build: (uploadId: string) => string) => routePattern(build, 'uploadId');
  router.get(paths.partner.bulkPurchase, bulkPurchases.uploadGet(deps));
  router.post(paths.partner.bulkPurchase, bulkPurchases.uploadPost(deps));
  router.get(paths.partner.bulkPurchaseTemplate, bulkPurchases.template);
  router.get(withUploadId(paths.partner.bulkPurchasePreview), bulkPurchases.preview(deps));
  router.post(withUploadId(paths.partner.placeBulkPurchase), bulkPurchases.place(deps));
  router.get(withUploadId(paths.partner.bulkPurchaseResult), bulkPurchases.result(deps));
  router.get(withUploadId(paths.partner.bulkPurchaseReport), bulkPurchases.report(deps));
  router.get(paths.partner.newTrial, purchases.newPurchase(deps, 'trial'));
  router.post(paths.partner.newTrial, purchases.saveDraft(deps, 'trial'));
  router.get(paths.partner.reviewTrial, purchases.review(deps, 'trial'));
  router.post(paths.partner.startTrial, purchases.complete(deps, 'trial'));
  router.get(paths.partner.addExistingCustomer, addExistingCustomer.get);
  router.post(paths.partner.addExistingCustomer, addExistingCustomer.post(deps));

  router.get(withAccountId(paths.partner.account), accounts.show(deps));
  router.get(withAccountId(paths.partner.installCarbonite), accounts.install(deps));
  router.post(withAccountId(paths.partner.resendRegistration), registration.resend(deps));
  router.get(withAccountId(paths.partner.handOver), handOver.get(deps));
  router.post(withAccountId(paths.partner.handOver), handOver.post(deps));
  router.post(withAccountId(paths.partner.requestAdministration), handOver.requestAdministrationPost(deps));
  router.get(withAccountId(paths.partner.releaseAccount), releaseAccount.get(deps));
  router.post(withAccountId(paths.partner.releaseAccount), releaseAccount.post(deps));
  router.get(withAccountId(paths.partner.renew), renewals.get(deps));
  router.post(withAccountId(paths.partner.renew), renewals.post(deps));
  router.get(withAccountId(paths.partner.reviewRenewal), renewals.review(deps));
  router.post(withAccountId(paths.partner.completeRenewal), renewals.complete(deps));
  router.post(withAccountId(paths.partner.autoRenew), autoRenew.post(deps));
  router.get(withAccountId(paths.partner.upgrade), upgrades.get(deps));
  router.post(withAccountId(paths.partner.upgrade), upgrades.post(deps));
  router.get(withAccountId(paths.partner.reviewUpgrade), upgrades.review(deps));
  router.post(withAccountId(paths.partner.completeUpgrade), upgrades.complete(deps));
  router.get(withAccountId(paths.partner.upgradeTrial), trialUpgrades.get(deps));
  router.post(withAccountId(paths.partner.upgradeTrial), trialUpgrades.post(deps));
  router.get(withAccountId(paths.partner.reviewTrialUpgrade), trialUpgrades.review(deps));
  router.post(withAccountId(paths.partner.completeTrialUpgrade), trialUpgrades.complete(deps));

  router.get(paths.partner.orders, orders.index(deps));
  router.get(paths.partner.ordersCsv, orders.csv(deps));
  router.get(routePattern(paths.partner.order, 'orderId'), orders.show(deps));

  router.get(paths.partner.activity, activity.index(deps));
  router.get(paths.partner.settings, settings.get(deps));
  router.get(paths.partner.changePassword, password.get);
  router.post(paths.partner.changePassword, password.post(deps));
  router.get(paths.partner.changeName, userSettings.nameGet);
  router.post(paths.partner.changeName, userSettings.namePost(deps));
  router.get(paths.partner.changeEmail, userSettings.emailGet);
  router.post(paths.partner.changeEmail, userSettings.emailPost(deps));
  router.post(paths.partner.emailPreferences, userSettings.preferencesPost(deps));
  router.get(paths.partner.twoFactorSetUp, twoFactor.setUpGet(deps, 'settings'));
  router.post(paths.partner.twoFactorSetUp, twoFactor.setUpPost(deps, 'settings'));
  router.get(paths.partner.recoveryCodes, twoFactor.recoveryCodesGet(deps));

  // The Team tab: owner and administrators; ownership and the two-factor rule, the owner
  // (lib/auth/roles.ts guards them by address, above).
  router.get(paths.partner.team, team.index(deps));
  router.get(paths.partner.inviteUser, team.inviteGet);
  router.post(paths.partner.inviteUser, team.invitePost(deps));
  router.post(routePattern(paths.partner.resendInvitation, 'invitationId'), team.resendPost(deps));
  router.post(routePattern(paths.partner.revokeInvitation, 'invitationId'), team.revokePost(deps));
  router.get(routePattern(paths.partner.teamUser, 'userId'), team.userGet(deps));
  router.post(routePattern(paths.partner.changeRole, 'userId'), team.rolePost(deps));
  router.post(routePattern(paths.partner.deactivateUser, 'userId'), team.deactivatePost(deps));
  router.post(routePattern(paths.partner.resetTwoFactor, 'userId'), team.resetTwoFactorPost(deps));
  router.get(paths.partner.transferOwnership, team.transferGet(deps));
  router.post(paths.partner.transferOwnership, team.transferPost(deps));
  router.post(paths.partner.twoFactorRequirement, team.twoFactorRequirementPost(deps));

  // The company profile: owner and administrators (by address, above).
  router.get(paths.partner.company, company.get(deps));
  router.post(paths.partner.company, company.post(deps));
  router.post(paths.partner.companyLogo, company.logoPost(deps));
  router.post(paths.partner.removeCompanyLogo, company.logoRemovePost(deps));
  return router;
}
