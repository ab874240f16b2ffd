import { Router } from 'express';
import type { PassportStatic } from 'passport';
import type { AppDeps } from '../app.ts';
import { paths } from '../lib/paths.ts';
import { partnerRouter } from './partner.ts';

export type RouterDeps = AppDeps & { passport: PassportStatic };

// The server-rendered site: one router per area.
export function webRouter(deps: RouterDeps): Router {
  const router = Router();
  router.get(paths.home, (req, res) => {
    res.redirect(303, req.user?.kind === 'customer' ? paths.portal.home : paths.partner.accounts);
  });
  router.use(partnerRouter(deps));
  return router;
}
