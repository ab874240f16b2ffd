import type { RequestHandler } from 'express';
import type { AppDeps } from '../../lib/deps.ts';
import { RATE_LIMITS, takePlace } from '../../models/rateLimits.ts';
import { readActivation } from '../../validators/api.ts';
import { activateInstallation, ActivationRefusedError, type ActivationRefusal } from '../../models/installations.ts';
import { sendProblem } from './problems.ts';

// Every attempt counts, good or bad, so guessing key codes from one address is slow, while
// an office activating its computers one after another stays well under the limit.
export const ACTIVATION_LIMIT = RATE_LIMITS['api-activation-address'];

const REFUSAL_STATUS: Record<ActivationRefusal, number> = {
  unknown_key_code: 422,
  subscription_ended: 403,
  subscription_full: 409,
};

// POST /api/v1/installations {keyCode, computerName, platform} -> 201 {serialNumber, deviceToken}
export function create(deps: AppDeps): RequestHandler {
  return async (req, res) => {
    const address = req.ip ?? 'unknown';
    const limit = await takePlace(deps.db, 'api-activation-address', address);
    if (!limit.taken) {
      res.set('Retry-After', String(limit.retryAfterSeconds));
      return sendProblem(res, {
        status: 429,
        error: 'too_many_requests',
        message: `Too many activations from this address. Try again in ${limit.retryAfterSeconds} seconds.`,
      });
    }
    const { value, problem } = readActivation(req.body);
    if (problem) return sendProblem(res, problem);
    try {
      const activation = await activateInstallation(deps.db, value, { address });
      res.status(201).json({ serialNumber: activation.serialNumber, deviceToken: activation.deviceToken });
    } catch (error) {
      if (!(error instanceof ActivationRefusedError)) throw error;
      sendProblem(res, { status: REFUSAL_STATUS[error.reason], error: error.reason, message: error.message });
    }
  };
}
