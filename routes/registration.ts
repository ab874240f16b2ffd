import { Router } from 'express';
import { paths, routePattern } from '../lib/paths.ts';
import { noStore } from '../lib/http/securityHeaders.ts';
import type { RouterDeps } from '../lib/deps.ts';
import * as start from '../controllers/registration/start.ts';
import * as newLink from '../controllers/registration/newLink.ts';
import * as computer from '../controllers/registration/computer.ts';
import * as account from '../controllers/registration/account.ts';
import * as personal from '../controllers/registration/personal.ts';

// The customer's registration wizard (PRODUCT.md flow 3).
export function registrationRouter(deps: RouterDeps): Router {
  const router = Router();
  // Wizard pages carry personal answers and a journey that must not be replayed from a cache.
  router.use('/register', noStore);
  router.get(paths.registration.newLink, newLink.get);
  router.post(paths.registration.newLink, newLink.post(deps));
  router.get(routePattern(paths.registration.computer, 'journeyId'), computer.get(deps));
  router.post(routePattern(paths.registration.computer, 'journeyId'), computer.post(deps));
  router.get(routePattern(paths.registration.account, 'journeyId'), account.get(deps));
  router.post(routePattern(paths.registration.account, 'journeyId'), account.post(deps));
  router.get(routePattern(paths.registration.personal, 'journeyId'), personal.get(deps));
  router.post(routePattern(paths.registration.personal, 'journeyId'), personal.post(deps));
  router.get(routePattern(paths.registration.start, 'token'), start.get(deps));
  return router;
}
