import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../boot/logger.ts';

export class HttpError extends Error {
  constructor(
    public readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export class NotFoundError extends HttpError {
  constructor(message = 'Page not found') {
    super(404, message);
  }
}

// A signed-in partner user whose role does not allow the page or action (lib/auth/roles.ts).
export class ForbiddenError extends HttpError {
  constructor(message = 'Your role in your company does not allow this. Ask your company’s owner or an administrator if you need it.') {
    super(403, message);
    this.name = 'ForbiddenError';
  }
}

const isApi = (url: string) => url.startsWith('/api/');

export const notFound: RequestHandler = (req, res) => {
  if (isApi(req.path)) {
    res.status(404).json({ error: 'not_found', message: 'There is nothing at this address.' });
    return;
  }
  res.status(404).render('errors/notFound', { title: 'Page not found' });
};

// Database unavailable: connection refused or reset, pool acquisition timed out, shutting down.
function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: string; name?: string; message?: string };
  if (e?.name === 'KnexTimeoutError') return true;
  if (e?.code && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P02', '57P03', '08000', '08003', '08006'].includes(e.code)) return true;
  // pg refuses further queries on a client whose connection broke mid-transaction ("... is not queryable").
  return /Connection terminated|connect ECONNREFUSED|is not queryable|the database system is (starting up|shutting down)/i.test(e?.message ?? '');
}

// The error page (or the API's JSON error) for any error.
export function errorHandler(logger: Logger, isProduction: boolean): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const e = error as { code?: string; status?: number; statusCode?: number; type?: string; expose?: boolean; message?: string; stack?: string };
    let status = 500;
    let message = 'Sorry, something went wrong on our side. Please try again.';
    let view = 'errors/serverError';
    let title: string | undefined;
    if (error instanceof ForbiddenError) {
      status = 403;
      message = error.message;
      view = 'errors/forbidden';
      title = 'You do not have access to this';
    } else if (error instanceof HttpError) {
      status = error.status;
      message = error.message;
      view = status === 404 ? 'errors/notFound' : 'errors/problem';
    } else if (e?.code === 'EBADCSRFTOKEN') {
      status = 403;
      message = 'This form has expired or was already sent.';
      view = 'errors/formExpired';
    } else if (isDatabaseUnavailable(error)) {
      status = 503;
      message = 'The service is briefly unavailable. Please try again in a minute.';
      view = 'errors/unavailable';
    } else if (typeof (e?.status ?? e?.statusCode) === 'number' && (e.status ?? e.statusCode)! < 500) {
      // body-parser and friends: too large, malformed JSON, bad encoding.
      status = (e.status ?? e.statusCode)!;
      message = status === 413 ? 'What was sent is too large.' : 'What was sent could not be read.';
      view = 'errors/problem';
    }
    if (status >= 500) {
      logger.error({ err: error, reqId: req.id }, 'request failed');
      // Nothing the failed request changed in the session is kept: a sign-in whose save
      // failed is not stored half, and the error page does not try the store again.
      Reflect.deleteProperty(req, 'session');
      // Without a session no form token can be made (the header's Sign out then expires).
      res.locals.csrfToken = () => '';
    }
    if (res.headersSent) return;
    if (status === 503) res.set('Retry-After', '30');
    if (isApi(req.path)) {
      res.status(status).json({ error: status === 404 ? 'not_found' : status >= 500 ? 'server_error' : 'bad_request', message });
      return;
    }
    const back = sameOriginReferrer(req.get('referer'), req.get('host')) ?? '/';
    res.status(status).render(view, {
      title: title ?? (status === 403 ? 'This form has expired' : status === 404 ? 'Page not found' : status === 503 ? 'Service unavailable' : 'Something went wrong'),
      message,
      back,
      stack: isProduction || status < 500 ? undefined : e?.stack,
    });
  };
}

// The "Go back" link: the page the visitor came from, as a path on this site. A path that
// starts with // or /\ (the URL parser reads "/\" as "//") would be a link to another host,
// so anything but a plain same-origin path gives the home page.
export function sameOriginReferrer(referer: string | undefined, host: string | undefined): string | undefined {
  if (!referer || !host) return undefined;
  let url: URL;
  try {
    url = new URL(referer);
  } catch {
    return undefined;
  }
  if (url.host !== host || (url.protocol !== 'http:' && url.protocol !== 'https:')) return undefined;
  const back = url.pathname + url.search;
  return isSameOriginPath(back) ? back : undefined;
}

export function isSameOriginPath(path: string): boolean {
  return /^\/(?![/\\])/.test(path) && !/[\u0000-\u001f\u007f]/.test(path);
}
