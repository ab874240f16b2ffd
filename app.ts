import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import express, { type Express, type RequestHandler, type Router } from 'express';
import { pinoHttp } from 'pino-http';
import type { Knex } from 'knex';
import type { Config } from './lib/config.ts';
import type { Logger } from './lib/logger.ts';
import { securityHeaders } from './lib/security.ts';
import { sessionMiddleware, type SessionStorage } from './lib/session.ts';
import { csrfProtection } from './lib/csrf.ts';
import { createPassport } from './lib/auth.ts';
import { setUpViews } from './lib/views.ts';
import { errorHandler, notFound } from './lib/errors.ts';
import { projectRoot } from './lib/projectRoot.ts';
import { healthRouter } from './routes/health.ts';
import { apiRouter } from './routes/api.ts';
import { webRouter } from './routes/index.ts';
import { findPartnerUserForSignIn } from './models/partners.ts';
import { findCustomerUserForSignIn } from './models/customerUsers.ts';
import { recordAudit } from './models/audit.ts';

export interface AppDeps {
  config: Config;
  db: Knex;
  logger: Logger;
  sessions: SessionStorage;
}

const REQUEST_ID = /^[\w.-]{8,64}$/;
const TOKEN_IN_PATH = /^(\/register\/|\/portal\/reset-password\/)[^/?]+/;

function requestLogging(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    genReqId: (req, res) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    // One short line a request. Emailed tokens in the path are secrets: they never reach a log.
    serializers: {
      req: (req: { id: string; method: string; url: string; remoteAddress?: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url.replace(TOKEN_IN_PATH, '$1[token]'),
        remoteAddress: req.remoteAddress,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
  });
}

// Each folder of public/ is served under its own prefix (/css/...), so a page request never
// costs a file-system look-up for a file that cannot exist.
function staticFiles(): Router {
  const router = express.Router();
  const publicDirectory = path.join(projectRoot, 'public');
  for (const entry of fs.readdirSync(publicDirectory, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    router.use(`/${entry.name}`, express.static(path.join(publicDirectory, entry.name), { redirect: false, index: false, maxAge: '1h' }));
  }
  return router;
}

function bodyParsing(): RequestHandler[] {
  // Forms are small; anything bigger is refused with 413 before a controller sees it.
  return [express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 100 })];
}

function currentUserLocals(): RequestHandler {
  return (req, res, next) => {
    res.locals.currentUser = req.user;
    // A flash message is taken when a page draws it, so a redirect does not swallow it.
    res.locals.takeFlash = () => {
      const flash = req.session?.flash;
      if (flash) delete req.session.flash;
      return flash;
    };
    next();
  };
}

export function createApp(deps: AppDeps): Express {
  const { config, db, logger, sessions } = deps;
  const app = express();
  app.set('trust proxy', config.trustProxy);
  app.set('etag', false);
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  const passport = createPassport(db, {
    findPartner: findPartnerUserForSignIn,
    onPartnerSignIn: (req, user) =>
      recordAudit(db, { type: 'user', user }, { partnerId: user.partnerId, action: 'partner.signed_in', address: req.ip }),
    findCustomer: findCustomerUserForSignIn,
    onCustomerSignIn: (req, user) =>
      recordAudit(db, { type: 'user', user }, {
        partnerId: user.partnerId,
        customerAccountId: user.customerAccountId,
        action: 'customer.signed_in',
        address: req.ip,
      }),
  });

  app.use(healthRouter(db));
  app.use(requestLogging(logger));
  app.use(securityHeaders());
  app.use(staticFiles());
  setUpViews(app, config);
  // The client's API: JSON, device tokens, no session and no CSRF.
  app.use('/api', apiRouter(deps));
  app.use(sessionMiddleware(config, sessions, logger));
  app.use(bodyParsing());
  app.use(passport.initialize());
  app.use(passport.session());
  app.use(csrfProtection());
  app.use(currentUserLocals());
  app.use(webRouter({ ...deps, passport }));
  app.use(notFound);
  app.use(errorHandler(logger, config.isProduction));
  return app;
}
