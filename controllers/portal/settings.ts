import type { RequestHandler } from 'express';
import type { RouterDeps } from '../../lib/deps.ts';
import { NotFoundError } from '../../lib/http/errors.ts';
import { findCustomerUser } from '../../models/customerUsers.ts';

export function get(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const user = await findCustomerUser(deps.db, req.user!.id);
    if (!user) throw new NotFoundError();
    res.render('portal/settings', { title: 'Settings', activeTab: 'settings', user });
  };
}
