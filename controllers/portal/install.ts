import type { RequestHandler } from 'express';
import type { RouterDeps } from '../../lib/deps.ts';
import { NotFoundError } from '../../lib/http/errors.ts';
import { findCustomerSubscription } from '../../models/portal.ts';

// Install Carbonite for the customer: the partner's on-screen steps with this subscription's key code.
export function get(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const subscription = await findCustomerSubscription(deps.db, req.user!.customerAccountId!);
    if (!subscription) throw new NotFoundError();
    res.render('portal/install', { title: `Install ${deps.config.brandName}`, activeTab: 'install', keyCode: subscription.keyCode });
  };
}
