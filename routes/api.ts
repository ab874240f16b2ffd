import express, { Router } from 'express';
import type { AppDeps } from '../lib/deps.ts';
import { paths } from '../lib/paths.ts';
import { noStore } from '../lib/http/securityHeaders.ts';
import * as installations from '../controllers/api/installations.ts';
import * as backups from '../controllers/api/backups.ts';
import { bodyProblems, JSON_TYPES, methodNotAllowed, requireJson } from '../controllers/api/problems.ts';

// The router is mounted at /api; paths.api holds the full addresses.
const mounted = (path: string) => path.slice('/api'.length);

// The installed client's JSON API (see PRODUCT.md, "Fixed points").
export function apiRouter(deps: AppDeps): Router {
  const router = Router();
  // Answers carry device tokens: no cache may keep them.
  router.use(noStore);
  router.use(express.json({ limit: '16kb', strict: true, type: JSON_TYPES }));
  router.use(bodyProblems);
  router.post(mounted(paths.api.installations), requireJson, installations.create(deps));
  router.post(mounted(paths.api.backups), requireJson, backups.create(deps));
  router.all(mounted(paths.api.installations), methodNotAllowed('POST'));
  router.all(mounted(paths.api.backups), methodNotAllowed('POST'));
  return router;
}
