import { Router } from 'express';
import type { RouterDeps } from './index.ts';

// The customer Portal: sign-in, home / Backup Dashboard, Install, Settings, password reset.
export function portalRouter(_deps: RouterDeps): Router {
  const router = Router();
  return router;
}
