import crypto from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../boot/logger.ts';

// A caller's request id (a proxy's or load balancer's) is kept when it looks like one.
const REQUEST_ID = /^[\w.-]{8,64}$/;
// Emailed tokens in the path are secrets: they never reach a log.
const TOKEN_IN_PATH = /^(\/register\/|\/portal\/reset-password\/|\/partner\/reset-password\/|\/partner\/invitations\/|\/partner\/email-change\/)[^/?]+/;

// Every request gets an id, sent back as X-Request-Id, and one short line once its answer
// is done: info for a page or redirect, warn for a 4xx, error for a 5xx or an answer cut
// off before its end. Health probes are answered before this and are neither.
//
// Written here rather than with pino-http, which built a child logger with the request
// serialised into it, and the line it would write, for every request, even at a level that
// writes nothing: ~35 µs of the Accounts page's ~900 µs of CPU on the benchmark. Here a
// request costs an id and one listener; the line is built only when it is written.
export function requestLogging(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    req.id = id;
    res.setHeader('X-Request-Id', id);
    const started = Date.now();
    // 'close' follows 'finish' on every answer, and comes alone when the answer was cut off.
    res.once('close', () => {
      const finished = res.writableFinished;
      const level = !finished || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      logger[level](
        {
          req: { id, method: req.method, url: req.originalUrl.replace(TOKEN_IN_PATH, '$1[token]'), remoteAddress: req.socket.remoteAddress },
          res: { statusCode: res.statusCode },
          responseTime: Date.now() - started,
        },
        finished ? 'request completed' : 'request cut off',
      );
    });
    next();
  };
}
