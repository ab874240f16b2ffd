import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { ApiProblem } from '../../validators/api.ts';

// Every refusal of the client API has one shape: {error, message}, plus fields when values are wrong.
export function sendProblem(res: Response, { status, error, message, fields }: ApiProblem): void {
  res.status(status).json(fields ? { error, message, fields } : { error, message });
}

export const JSON_TYPES = ['application/json', 'application/*+json'];

// A body declared in another format would reach the controllers as nothing at all; say what is wrong instead.
export const requireJson: RequestHandler = (req, res, next) => {
  if (req.get('content-type') !== undefined && req.is(JSON_TYPES) === false) {
    return sendProblem(res, { status: 415, error: 'unsupported_media_type', message: 'Send the body as JSON, with Content-Type: application/json.' });
  }
  next();
};

export function methodNotAllowed(allowed: string): RequestHandler {
  return (_req, res) => {
    res.set('Allow', allowed);
    sendProblem(res, { status: 405, error: 'method_not_allowed', message: `Use ${allowed} at this address.` });
  };
}

// The JSON parser's own refusals, worded for a client developer; anything else goes on to the app's error handler.
const BODY_PROBLEMS: Record<string, Omit<ApiProblem, 'status'>> = {
  'entity.parse.failed': { error: 'invalid_json', message: 'The request body is not valid JSON.' },
  'entity.too.large': { error: 'too_large', message: 'The request body is too large.' },
  'charset.unsupported': { error: 'unsupported_charset', message: 'Send the JSON body in UTF-8.' },
  'encoding.unsupported': { error: 'unsupported_encoding', message: 'The request body’s Content-Encoding is not supported.' },
};

export const bodyProblems: ErrorRequestHandler = (error, _req, res, next) => {
  const e = error as { type?: string; status?: number };
  const problem = e?.type ? BODY_PROBLEMS[e.type] : undefined;
  if (!problem || typeof e.status !== 'number') return next(error);
  sendProblem(res, { status: e.status, ...problem });
};
