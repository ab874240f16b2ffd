import express, { Router } from 'express';
import type { AppDeps } from '../app.ts';

// The installed client's JSON API (see PRODUCT.md, "Fixed points").
export function apiRouter(_deps: AppDeps): Router {
  const router = Router();
  router.use(express.json({ limit: '16kb', strict: true, type: ['application/json', 'application/*+json'] }));
  return router;
}
