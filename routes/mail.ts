import { Router, type RequestHandler } from 'express';
import type { RouterDeps } from '../lib/deps.ts';
import { paths, routePattern } from '../lib/paths.ts';
import { requirePartner } from '../lib/auth/passport.ts';
import { noStore } from '../lib/http/securityHeaders.ts';
import { NotFoundError } from '../lib/http/errors.ts';
import * as devMailbox from '../controllers/mail/devMailbox.ts';
import * as undelivered from '../controllers/mail/undelivered.ts';

// Other partner users do not learn the page exists.
const ownerOnly: RequestHandler = (req, _res, next) => {
  next(req.user?.role === 'owner' ? undefined : new NotFoundError());
};

// Mail pages: the developer mailbox (only without SMTP_URL, in development or test) and the
// owner's undelivered mail.
export function mailRouter(deps: RouterDeps): Router {
  const router = Router();
  // Both pages show addresses, and the mailbox live registration links: never kept in a cache.
  // Otherwise the mailbox does not exist: its addresses answer the ordinary 404.
  if (deps.config.devMailbox) {
    router.get(paths.devMailbox.index, noStore, devMailbox.index(deps));
    router.get(routePattern(paths.devMailbox.message, 'messageId'), noStore, devMailbox.show(deps));
  }
  router.get(paths.partner.undeliveredMail, noStore, requirePartner, ownerOnly, undelivered.index(deps));
  return router;
}
