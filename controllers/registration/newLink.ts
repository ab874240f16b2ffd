import type { RequestHandler } from 'express';
import type { RouterDeps } from '../../lib/deps.ts';
import { paths } from '../../lib/paths.ts';
import { textField } from '../../lib/forms/validation.ts';
import { takePlaces } from '../../models/rateLimits.ts';
import { renewExpiredInvitation } from '../../models/registration.ts';
import { findJourney, forgetJourney } from './journey.ts';

// "Send me a new link": emails a fresh link to the address the expired one was sent to.
// The answer is the same whatever happened, so it tells nobody anything about the account.
export function post(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const journeyId = textField(req.body, 'journey', 64);
    const journey = findJourney(req, journeyId);
    if (journey) {
      forgetJourney(req, journeyId);
      const places = await takePlaces(deps.db, [
        ['registration-new-link-address', req.ip ?? 'unknown'],
        ['registration-new-link', String(journey.invitationId)],
      ]);
      if (places.taken) await renewExpiredInvitation(deps.db, journey.invitationId, deps.config, { address: req.ip });
    }
    res.redirect(303, paths.registration.newLink);
  };
}

export const get: RequestHandler = (_req, res) => {
  res.render('registration/newLinkSent', { title: 'Check your email' });
};
