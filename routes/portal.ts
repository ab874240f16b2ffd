import { Router } from 'express';
import { paths, routePattern } from '../lib/paths.ts';
import { requireCustomer } from '../lib/auth/passport.ts';
import { noStore } from '../lib/http/securityHeaders.ts';
import type { RouterDeps } from '../lib/deps.ts';
import * as signIn from '../controllers/portal/signIn.ts';
import * as home from '../controllers/portal/home.ts';
import * as install from '../controllers/portal/install.ts';
import * as settings from '../controllers/portal/settings.ts';
import * as password from '../controllers/portal/password.ts';
import * as securityQuestions from '../controllers/portal/securityQuestions.ts';
import * as chooseSecurityQuestions from '../controllers/portal/chooseSecurityQuestions.ts';
import * as forgotPassword from '../controllers/portal/forgotPassword.ts';
import * as resetPassword from '../controllers/portal/resetPassword.ts';
import * as partnerRequests from '../controllers/portal/partnerRequests.ts';

// The customer Portal: sign-in, home / Backup Dashboard, Install, Settings, password reset.
export function portalRouter(deps: RouterDeps): Router {
  const router = Router();
  // Customer pages show personal data and reset links: nothing of them is kept in a cache.
  router.use('/portal', noStore);
  router.get(paths.portal.signIn, signIn.get);
  router.post(paths.portal.signIn, signIn.post(deps));
  router.post(paths.portal.signOut, signIn.signOutPost);
  router.get(paths.portal.forgotPassword, forgotPassword.get);
  router.post(paths.portal.forgotPassword, forgotPassword.post(deps));
  router.get(routePattern(paths.portal.resetPassword, 'token'), resetPassword.get(deps));
  router.post(routePattern(paths.portal.resetPassword, 'token'), resetPassword.post(deps));

  // Everything below needs a signed-in customer; a partner session is sent to the customer sign-in.
  router.use(paths.portal.home, requireCustomer);
  router.get(paths.portal.chooseSecurityQuestions, chooseSecurityQuestions.get(deps));
  router.post(paths.portal.chooseSecurityQuestions, chooseSecurityQuestions.post(deps));
  // A customer without security questions (made by the operator) chooses them before anything else.
  router.use(paths.portal.home, chooseSecurityQuestions.requireSecurityQuestions(deps));
  router.get(paths.portal.home, home.get(deps));
  router.get(paths.portal.install, install.get(deps));
  router.get(paths.portal.settings, settings.get(deps));
  router.get(paths.portal.changePassword, password.get);
  router.post(paths.portal.changePassword, password.post(deps));
  router.get(paths.portal.changeSecurityQuestions, securityQuestions.get(deps));
  router.post(paths.portal.changeSecurityQuestions, securityQuestions.post(deps));
  router.post(routePattern(paths.portal.acceptPartnerRequest, 'requestId'), partnerRequests.post(deps, 'accept'));
  router.post(routePattern(paths.portal.declinePartnerRequest, 'requestId'), partnerRequests.post(deps, 'decline'));
  return router;
}
