import type { RequestHandler } from 'express';
import type { RouterDeps } from '../../lib/deps.ts';
import { renderFailedForm } from '../../lib/forms/failedForm.ts';
import { refusedForm } from '../../lib/forms/result.ts';
import { givePlaceBack, minutesText, RATE_LIMITS, takePlace } from '../../models/rateLimits.ts';
import { matchInstallation, type InstallationMatch } from '../../models/registration.ts';
import { readComputerForm, type ComputerValues } from '../../validators/registration.ts';
import { openJourney, stepUrl } from './journey.ts';

// Tries that match no computer pause the link for a while; the window slides.
export const WRONG_TRIES_ALLOWED = RATE_LIMITS['registration-computer'].max;

const MISMATCH: Record<Exclude<InstallationMatch, { matched: true }>['reason'], Record<string, string>> = {
  serial_number: {
    serialNumber: 'This serial number does not match a computer on this subscription. Check it, or enter the computer name instead',
  },
  computer_name: {
    computerName: 'This computer name does not match a computer on this subscription. Check it, or enter the serial number instead',
  },
  different_computers: {
    serialNumber: 'The serial number and the computer name belong to different computers. Enter just one of them',
  },
};

const VIEW = 'registration/computer';
const pageLocals = (journeyId: string) => ({ title: 'Enter your serial number or computer name', action: stepUrl('computer', journeyId) });

export function get(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const open = await openJourney(deps, req, res, 'computer');
    if (!open) return;
    const values: ComputerValues = { serialNumber: '', computerName: '' };
    res.render(VIEW, { ...pageLocals(open.journeyId), values });
  };
}

export function post(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const open = await openJourney(deps, req, res, 'computer');
    if (!open) return;
    const form = readComputerForm(req.body);
    if (!form.ok) return renderFailedForm(res, VIEW, form, pageLocals(open.journeyId));
    // The try takes its place before the match: of many at once, no more than the limit are
    // matched. A try that matches gives its place back; one that does not keeps it.
    const place = await takePlace(deps.db, 'registration-computer', String(open.invitation.invitationId));
    if (!place.taken) {
      const paused = `This registration link is paused after ${WRONG_TRIES_ALLOWED} tries that did not match. Try again in ${minutesText(place.retryAfterSeconds)}`;
      return renderFailedForm(res, VIEW, refusedForm(form.value, { serialNumber: paused }), pageLocals(open.journeyId), 429);
    }
    const match = await matchInstallation(deps.db, open.invitation.subscriptionId, form.value);
    if (!match.matched) {
      delete open.journey.confirmedInstallationId;
      return renderFailedForm(res, VIEW, refusedForm(form.value, MISMATCH[match.reason]), pageLocals(open.journeyId));
    }
    await givePlaceBack(deps.db, place);
    open.journey.confirmedInstallationId = match.installationId;
    res.redirect(303, stepUrl('account', open.journeyId));
  };
}
