import { Router } from 'express';
import type { RouterDeps } from './index.ts';

// Mail pages: the developer mailbox (never in production) and the owner's undelivered mail.
export function mailRouter(_deps: RouterDeps): Router {
  const router = Router();
  return router;
}
