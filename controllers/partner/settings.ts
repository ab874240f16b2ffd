// The partner user's own Settings: who they are, their password, and their recent sign-ins
// (their own only: models/signInEvents.ts).
import type { RequestHandler } from 'express';
import type { RouterDeps } from '../../lib/deps.ts';
import { findPasswordChangedAt } from '../../models/partners.ts';
import { listOwnSignIns } from '../../models/signInEvents.ts';

export function get(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const user = req.user!;
    const [passwordChangedAt, signIns] = await Promise.all([findPasswordChangedAt(deps.db, user), listOwnSignIns(deps.db, user)]);
    res.render('partner/settings', { title: 'Settings', activeTab: 'settings', user, passwordChangedAt, signIns });
  };
}
