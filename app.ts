import fs from 'node:fs';
import path from 'node:path';
import express, { type Express, type RequestHandler, type Router } from 'express';
import type { AppDeps } from './lib/deps.ts';
import { securityHeaders } from './lib/http/securityHeaders.ts';
import { requestLogging } from './lib/http/requestLog.ts';
import { sessionMiddleware } from './lib/session/session.ts';
import { csrfProtection } from './lib/auth/csrf.ts';
import { logoUploadParsing } from './lib/http/logoUpload.ts';
import { bulkUploadParsing } from './lib/http/bulkPurchaseUpload.ts';
import { paths } from './lib/paths.ts';
import { createPassport } from './lib/auth/passport.ts';
import { can, type Ability } from './lib/auth/roles.ts';
import { setUpViews } from './lib/views/engine.ts';
import { errorHandler, notFound } from './lib/http/errors.ts';
import { projectRoot } from './lib/boot/projectRoot.ts';
import { healthRouter } from './routes/health.ts';
import { apiRouter } from './routes/api.ts';
import { webRouter } from './routes/index.ts';
import { findPartnerUserForSignIn } from './models/partners.ts';
import { findCustomerUserForSignIn } from './models/customerUsers.ts';
import { recordAudit } from './models/audit.ts';

export type { AppDeps } from './lib/deps.ts';

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

function bodyParsing(): RequestHandler {
  // Forms are small; anything bigger is refused with 413 before a controller sees it.
  const parseForm = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 100 });
  // A request with no body (every page view) goes straight on: the parser would only find
  // that out, at ~7 µs a request.
  return (req, res, next) => {
    if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) return next();
    parseForm(req, res, next);
  };
}

function currentUserLocals(): RequestHandler {
  return (req, res, next) => {
    res.locals.currentUser = req.user;
    // Whether the signed-in user's role allows something: links to what it does not are not drawn.
    res.locals.can = (ability: Ability) => can(req.user?.role, ability);
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
    // Partner sign-ins, failed or done, are recorded by the sign-in controller
    // (controllers/shared/signIn.ts): a right password is not yet a sign-in when a
    // two-factor code is still to come.
    onPartnerSignIn: async () => {},
    findCustomer: findCustomerUserForSignIn,
    onCustomerSignIn: (req, user) =>
      recordAudit(db, { type: 'user', user }, {
        partnerId: user.partnerId || null, // 0: a direct customer
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
  // passport's documented set-up: its request methods, then the signed-in user from the session.
  app.use(passport.initialize());
  app.use(passport.session());
  app.use(bodyParsing());
  // The logo's and the bulk purchase's multipart forms, parsed before the CSRF check reads its token (lib/http/logoUpload.ts).
  app.post(paths.partner.companyLogo, logoUploadParsing());
  app.post(paths.partner.bulkPurchase, bulkUploadParsing());
  app.use(csrfProtection());
  app.use(currentUserLocals());
  app.use(webRouter({ ...deps, passport }));
  app.use(notFound);
  app.use(errorHandler(logger, config.isProduction));
  return app;
}
