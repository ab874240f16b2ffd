import { Router, type RequestHandler } from 'express';
import { paths } from '../lib/paths.ts';
import type { RouterDeps } from './index.ts';
import * as start from '../controllers/registration/start.ts';
import * as newLink from '../controllers/registration/newLink.ts';
import * as computer from '../controllers/registration/computer.ts';
import * as account from '../controllers/registration/account.ts';
import * as personal from '../controllers/registration/personal.ts';

// A route pattern from a path builder: paths.registration.account(':journeyId') comes back
// encoded (%3AjourneyId), so the parameter's colon is restored here.
const pattern = (build: (param: string) => string, param: string) => decodeURIComponent(build(`:${param}`));

// Wizard pages carry personal answers and a journey that must not be replayed from a cache.
const noStore: RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'no-store');
  next();
};

// The customer's registration wizard (PRODUCT.md flow 3).
export function registrationRouter(deps: RouterDeps): Router {
  const router = Router();
  router.use('/register', noStore);
  router.get(paths.registration.newLink, newLink.get);
  router.post(paths.registration.newLink, newLink.post(deps));
  router.get(pattern(paths.registration.computer, 'journeyId'), computer.get(deps));
  router.post(pattern(paths.registration.computer, 'journeyId'), computer.post(deps));
  router.get(pattern(paths.registration.account, 'journeyId'), account.get(deps));
  router.post(pattern(paths.registration.account, 'journeyId'), account.post(deps));
  router.get(pattern(paths.registration.personal, 'journeyId'), personal.get(deps));
  router.post(pattern(paths.registration.personal, 'journeyId'), personal.post(deps));
  router.get(pattern(paths.registration.start, 'token'), start.get(deps));
  return router;
}
