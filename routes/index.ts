import { Router } from 'express';
import type { RouterDeps } from '../lib/deps.ts';
import { paths } from '../lib/paths.ts';
import { partnerRouter } from './partner.ts';
import { registrationRouter } from './registration.ts';
import { portalRouter } from './portal.ts';
import { mailRouter } from './mail.ts';

// The server-rendered site: one router per area.
export function webRouter(deps: RouterDeps): Router {
  const router = Router();
  router.get(paths.home, (req, res) => {
    res.redirect(303, req.user?.kind === 'customer' ? paths.portal.home : paths.partner.overview);
  });
  router.use(mailRouter(deps));
  router.use(partnerRouter(deps));
  router.use(registrationRouter(deps));
  router.use(portalRouter(deps));
  return router;
}
