import { Router } from 'express';
import type { Knex } from 'knex';
import { paths } from '../lib/paths.ts';

// Liveness answers while the process runs; readiness only while the database answers.
export function healthRouter(db: Knex): Router {
  const router = Router();
  router.get(paths.health, (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  router.get(paths.ready, async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    try {
      await db.raw('SELECT 1').timeout(2000, { cancel: false });
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'unavailable', message: 'The database is not answering.' });
    }
  });
  return router;
}
