import type { RequestHandler } from 'express';
import type { AppDeps } from '../../lib/deps.ts';
import { bearerToken, readBackupReport } from '../../validators/api.ts';
import { recordBackup } from '../../models/installations.ts';
import { sendProblem } from './problems.ts';

// POST /api/v1/installations/backups, Authorization: Bearer <deviceToken>, {completedAt, bytes, files}
export function create(deps: AppDeps): RequestHandler {
  return async (req, res) => {
    const token = bearerToken(req.get('authorization'));
    if (!token) {
      res.set('WWW-Authenticate', 'Bearer');
      return sendProblem(res, { status: 401, error: 'unauthorized', message: 'Send the device token as Authorization: Bearer <deviceToken>.' });
    }
    const { value, problem } = readBackupReport(req.body);
    if (problem) return sendProblem(res, problem);
    const recorded = await recordBackup(deps.db, token, value);
    if (!recorded) {
      res.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      return sendProblem(res, {
        status: 401,
        error: 'invalid_token',
        message: 'This device token is not valid: the computer was reinstalled or never activated. Activate it again with its key code.',
      });
    }
    res.status(recorded.repeated ? 200 : 201).json({
      serialNumber: recorded.serialNumber,
      completedAt: recorded.completedAt.toISOString(),
      bytes: recorded.bytes,
      files: recorded.files,
      lastBackupAt: recorded.lastBackupAt.toISOString(),
    });
  };
}
