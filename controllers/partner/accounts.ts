import type { RequestHandler } from 'express';
import type { RouterDeps } from '../../routes/index.ts';

export function index(_deps: RouterDeps): RequestHandler {
  return (_req, res) => {
    res.render('partner/accounts', { title: 'Accounts', activeTab: 'accounts' });
  };
}
