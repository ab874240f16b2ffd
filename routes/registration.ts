import { Router } from 'express';
import type { RouterDeps } from './index.ts';

// The customer's registration wizard (PRODUCT.md flow 3).
export function registrationRouter(_deps: RouterDeps): Router {
  const router = Router();
  return router;
}
