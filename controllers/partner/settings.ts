// The partner user's own Settings: who they are, their password, two-factor sign-in, and their recent sign-ins
// (their own only: models/signInEvents.ts).
import type { RequestHandler } from 'express';
import type { RouterDeps } from '../../lib/deps.ts';
import { ROLE_LABELS } from '../../lib/auth/roles.ts';
import { findPasswordChangedAt } from '../../models/partners.ts';
import { listOwnSignIns } from '../../models/signInEvents.ts';
import { findWeeklyDigestChoice } from '../../models/digests.ts';
import { findTwoFactorState } from '../../models/twoFactor.ts';
import { findEmailPreferences, findPendingEmailChange } from '../../models/partnerUserSettings.ts';

export function get(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const user = req.user!;
    const [passwordChangedAt, signIns, twoFactor] = await Promise.all([findPasswordChangedAt(deps.db, user), listOwnSignIns(deps.db, user), findTwoFactorState(deps.db, user.id)]);
    const [weeklyDigest, emailPreferences, pendingEmailChange] = await Promise.all([findWeeklyDigestChoice(deps.db, user), findEmailPreferences(deps.db, user), findPendingEmailChange(deps.db, user)]);
    res.render('partner/settings', { title: 'Settings', activeTab: 'settings', user, passwordChangedAt, signIns, twoFactor, roleLabels: ROLE_LABELS, weeklyDigest, emailPreferences, pendingEmailChange });
  };
}
