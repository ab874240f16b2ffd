import { Router } from 'express';
import { paths } from '../lib/paths.ts';
import { requirePartner } from '../lib/auth.ts';
import type { RouterDeps } from './index.ts';
import * as signIn from '../controllers/partner/signIn.ts';
import * as accounts from '../controllers/partner/accounts.ts';

export function partnerRouter(deps: RouterDeps): Router {
  const router = Router();
  router.get(paths.partner.signIn, signIn.get);
  router.post(paths.partner.signIn, signIn.post(deps));
  router.post(paths.partner.signOut, signIn.signOutPost);

  // Everything below needs a signed-in partner user.
  router.use('/partner', requirePartner);
  router.get(paths.partner.accounts, accounts.index(deps));
  return router;
}
