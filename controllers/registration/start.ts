import type { RequestHandler } from 'express';
import type { RouterDeps } from '../../lib/deps.ts';
import { linkWasKnown, refuseIfGuessing } from '../../lib/auth/linkThrottle.ts';
import { findInvitationByToken } from '../../models/registration.ts';
import { beginJourney, dueStep, findJourney, renderLinkState, stepUrl } from './journey.ts';

// The email's "Complete registration" link. The token is checked first; a usable link starts
// (or resumes) a journey and moves to a URL without the token, so it stays out of history.
export function get(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const token = typeof req.params.token === 'string' ? req.params.token : '';
    const place = await refuseIfGuessing(deps.db, req);
    const invitation = await findInvitationByToken(deps.db, token);
    if (!invitation) return renderLinkState(res, 'no_longer_works');
    await linkWasKnown(deps.db, place);
    if (invitation.state === 'expired') {
      return renderLinkState(res, 'expired', { journeyId: beginJourney(req, invitation.invitationId) });
    }
    if (invitation.state !== 'valid') return renderLinkState(res, invitation.state);
    const journeyId = beginJourney(req, invitation.invitationId);
    res.redirect(303, stepUrl(dueStep(invitation, findJourney(req, journeyId)!), journeyId));
  };
}
