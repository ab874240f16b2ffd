// A partner user turns their weekly digest email on or off (on their Settings page).
import type { RequestHandler } from 'express';
import type { RouterDeps } from '../../lib/deps.ts';
import { paths } from '../../lib/paths.ts';
import { setWeeklyDigestChoice } from '../../models/digests.ts';
import { readWeeklyDigest } from '../../validators/monitoring.ts';

export function post(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const form = readWeeklyDigest(req.body);
    // A checkbox cannot be wrong: ticked or not.
    const on = form.ok && form.value;
    await setWeeklyDigestChoice(deps.db, req.user!, on, req.ip);
    req.session.flash = { kind: 'success', text: on ? 'You will receive the weekly digest email.' : 'You will no longer receive the weekly digest email.' };
    res.redirect(303, paths.partner.settings);
  };
}
