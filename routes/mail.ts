import { Router, type RequestHandler } from 'express';
import type { RouterDeps } from './index.ts';
import { paths } from '../lib/paths.ts';
import { requirePartner } from '../lib/auth.ts';
import { NotFoundError } from '../lib/errors.ts';
import * as devMailbox from '../controllers/mail/devMailbox.ts';
import * as undelivered from '../controllers/mail/undelivered.ts';

// A route pattern from a path builder: the builder encodes the parameter's colon.
const pattern = (build: (param: string) => string, param: string) => decodeURIComponent(build(`:${param}`));

// Both pages show addresses, and the mailbox live registration links: never kept in a cache.
const noStore: RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'no-store');
  next();
};

// Other partner users do not learn the page exists.
const ownerOnly: RequestHandler = (req, _res, next) => {
  next(req.user?.role === 'owner' ? undefined : new NotFoundError());
};

// Mail pages: the developer mailbox (never in production) and the owner's undelivered mail.
export function mailRouter(deps: RouterDeps): Router {
  const router = Router();
  // In production these routes do not exist: the addresses answer the ordinary 404.
  if (!deps.config.isProduction) {
    router.get(paths.devMailbox.index, noStore, devMailbox.index(deps));
    router.get(pattern(paths.devMailbox.message, 'messageId'), noStore, devMailbox.show(deps));
  }
  router.get(paths.partner.undeliveredMail, noStore, requirePartner, ownerOnly, undelivered.index(deps));
  return router;
}
