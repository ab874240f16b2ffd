import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import type { Knex } from 'knex';
import type { Request, RequestHandler, Response } from 'express';
import { verifyAgainstNothing, verifySecret } from './passwords.ts';
import { beginSignInAttempt, signInSucceeded, type SignInScope } from './signInThrottle.ts';
import { clearSessionCookie, startSessionClock } from '../session/session.ts';
import { paths } from '../paths.ts';

export type PartnerRole = 'owner' | 'admin' | 'staff' | 'read_only';

// The signed-in person, as kept in the session. `key` ("partner:12", "customer:7") is what
// lets all sessions of one user be found and ended.
export interface SessionUser {
  key: string;
  kind: SignInScope;
  id: number;
  name: string;
  email: string;
  partnerId: number;
  partnerName?: string;
  role?: PartnerRole;
  customerAccountId?: number;
  // A customer's product ('safe', 'safe-backup-pro'): it names the Portal's first tab.
  productId?: string;
}

export interface SignInCandidate {
  user: SessionUser;
  passwordHash: string;
}

export type FindSignInCandidate = (db: Knex, email: string) => Promise<SignInCandidate | undefined>;

const WRONG_CREDENTIALS = 'The email address or password is not right. Check them and try again.';

// Why a sign-in was refused: a wrong email or password, or a limit that paused it.
export type SignInRefusal = 'wrong_password' | 'paused';

interface SignInInfo {
  message: string;
  reason: SignInRefusal;
}

// One local strategy per kind of user, each with its own lookup; throttling and the
// constant-time miss are shared.
function localStrategy(db: Knex, scope: SignInScope, find: FindSignInCandidate, onSuccess: (req: Request, user: SessionUser) => Promise<void>) {
  return new LocalStrategy(
    { usernameField: 'email', passwordField: 'password', passReqToCallback: true, session: true },
    (req, email, password, done) => {
      const address = req.ip ?? 'unknown';
      (async () => {
        const normalisedEmail = email.trim().toLowerCase();
        // The attempt's places are taken before the password is checked, so attempts sent at
        // once cannot all pass a count that none of them has joined yet.
        const attempt = await beginSignInAttempt(db, scope, normalisedEmail, address);
        if ('paused' in attempt) return done(null, false, { message: attempt.paused, reason: 'paused' } as SignInInfo);
        const candidate = await find(db, normalisedEmail);
        const valid = candidate ? await verifySecret(password, candidate.passwordHash) : await verifyAgainstNothing(password);
        if (!candidate || !valid) return done(null, false, { message: WRONG_CREDENTIALS, reason: 'wrong_password' } as SignInInfo);
        await signInSucceeded(db, scope, normalisedEmail, attempt);
        await onSuccess(req, candidate.user);
        return done(null, candidate.user);
      })().catch(done);
    },
  );
}

export interface AuthOptions {
  findPartner: FindSignInCandidate;
  onPartnerSignIn: (req: Request, user: SessionUser) => Promise<void>;
  findCustomer: FindSignInCandidate;
  onCustomerSignIn: (req: Request, user: SessionUser) => Promise<void>;
}

export function createPassport(db: Knex, options: AuthOptions): passport.PassportStatic {
  const instance = new passport.Passport() as passport.PassportStatic;
  instance.use('partner', localStrategy(db, 'partner', options.findPartner, options.onPartnerSignIn));
  instance.use('customer', localStrategy(db, 'customer', options.findCustomer, options.onCustomerSignIn));
  instance.serializeUser((user, done) => done(null, user));
  instance.deserializeUser((user: SessionUser, done) => done(null, user));
  return instance;
}

export type CredentialsCheck = { user: SessionUser } | { user: false; message: string; reason: SignInRefusal };

// Checks an email and password with the strategy of that kind of user (throttled, as long
// for a wrong email as for a wrong password) without signing in yet.
export function checkCredentials(
  instance: passport.PassportStatic,
  scope: SignInScope,
  req: Request,
  res: Response,
  credentials: { email: string; password: string },
): Promise<CredentialsCheck> {
  // The strategy reads the body: it gets the two fields as the form read them, nothing else.
  req.body = { email: credentials.email, password: credentials.password };
  return new Promise((resolve, reject) => {
    instance.authenticate(scope, { session: false }, (error: unknown, user: SessionUser | false, info?: SignInInfo) => {
      if (error) return reject(error);
      resolve(user ? { user } : { user: false, message: info?.message ?? WRONG_CREDENTIALS, reason: info?.reason ?? 'wrong_password' });
    })(req, res, reject);
  });
}

// Signs the user in on a fresh session (passport regenerates it) and starts its clocks.
export function signIn(req: Request, user: SessionUser): Promise<void> {
  return new Promise((resolve, reject) => {
    req.login(user, (error) => {
      if (error) return reject(error);
      startSessionClock(req);
      resolve();
    });
  });
}

// Signs out: the session is destroyed in the store, not only forgotten, and its cookie
// cleared. (passport's req.logout would first store the session without its user and then
// replace it, two writes more before the one that matters.)
export async function signOut(req: Request, res: Response): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    req.session.destroy((error) => (error ? reject(error) : resolve()));
  });
  req.user = undefined;
  clearSessionCookie(req, res);
}

// Partner pages: anyone else (nobody, or a customer) is sent to the partner sign-in.
export const requirePartner: RequestHandler = (req, res, next) => {
  if (req.user?.kind === 'partner') return next();
  res.redirect(303, `${paths.partner.signIn}?next=${encodeURIComponent(req.originalUrl)}`);
};

export const requireCustomer: RequestHandler = (req, res, next) => {
  if (req.user?.kind === 'customer') return next();
  res.redirect(303, `${paths.portal.signIn}?next=${encodeURIComponent(req.originalUrl)}`);
};

// Only local paths are followed after sign-in, never another site.
export function safeNext(value: unknown, fallback: string, prefix: string): string {
  if (typeof value !== 'string') return fallback;
  if (!value.startsWith(prefix) || value.startsWith('//') || value.includes('\\')) return fallback;
  return value;
}
