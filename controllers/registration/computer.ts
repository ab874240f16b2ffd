import type { RequestHandler, Response } from 'express';
import type { RouterDeps } from '../../lib/deps.ts';
import { formErrors, type FieldProblems } from '../../lib/forms/validation.ts';
import { checkLimit, minutesText, recordHit, type Limit } from '../../models/rateLimits.ts';
import { matchInstallation, type InstallationMatch } from '../../models/registration.ts';
import { readComputerForm, type ComputerValues } from '../../validators/registration.ts';
import { openJourney, stepUrl } from './journey.ts';

// Ten tries that match no computer pause the link for a while; the window slides.
export const WRONG_TRIES_ALLOWED = 10;
const wrongTries: Limit = { bucket: 'registration-computer', max: WRONG_TRIES_ALLOWED, windowSeconds: 30 * 60 };

const MISMATCH: Record<Exclude<InstallationMatch, { matched: true }>['reason'], FieldProblems> = {
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

function render(res: Response, status: number, journeyId: string, values: ComputerValues, problems: FieldProblems = {}) {
  const errors = formErrors(problems);
  res.status(status).render('registration/computer', {
    title: `${errors ? 'Error: ' : ''}Enter your serial number or computer name`,
    errors,
    values,
    action: stepUrl('computer', journeyId),
  });
}

export function get(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const open = await openJourney(deps, req, res, 'computer');
    if (!open) return;
    render(res, 200, open.journeyId, { serialNumber: '', computerName: '' });
  };
}

export function post(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const open = await openJourney(deps, req, res, 'computer');
    if (!open) return;
    const form = readComputerForm(req.body);
    if (!form.result) return render(res, 422, open.journeyId, form.values, form.problems);
    const key = String(open.invitation.invitationId);
    const paused = await checkLimit(deps.db, wrongTries, key);
    if (paused.limited) {
      return render(res, 429, open.journeyId, form.values, {
        serialNumber: `This registration link is paused after ${WRONG_TRIES_ALLOWED} tries that did not match. Try again in ${minutesText(paused.retryAfterSeconds)}`,
      });
    }
    const match = await matchInstallation(deps.db, open.invitation.subscriptionId, form.result);
    if (!match.matched) {
      await recordHit(deps.db, wrongTries, key);
      delete open.journey.confirmedInstallationId;
      return render(res, 422, open.journeyId, form.values, MISMATCH[match.reason]);
    }
    open.journey.confirmedInstallationId = match.installationId;
    res.redirect(303, stepUrl('account', open.journeyId));
  };
}
