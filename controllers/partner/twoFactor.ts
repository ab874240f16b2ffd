// Two-factor sign-in for partner users: the sign-in's second step (a code from the
// authenticator app, or a recovery code), setting it up (from Settings, or during sign-in when
// the company requires it) and the recovery codes, shown once.
import type { Request, RequestHandler, Response } from 'express';
import type { RouterDeps } from '../../lib/deps.ts';
import type { SessionUser } from '../../lib/auth/passport.ts';
import { signIn } from '../../lib/auth/passport.ts';
import { paths } from '../../lib/paths.ts';
import { renderFailedForm } from '../../lib/forms/failedForm.ts';
import { refusedForm } from '../../lib/forms/result.ts';
import {
  decryptSecret,
  encryptSecret,
  hashRecoveryCode,
  matchingStep,
  newRecoveryCodes,
  newTotpSecret,
  qrCodeDataUrl,
  secretForReading,
  totpFor,
  totpKeyFrom,
} from '../../lib/auth/totp.ts';
import { readSecondStepCode, readSetUpCode } from '../../validators/twoFactor.ts';
import { clearPlaces, minutesText, takePlace } from '../../models/rateLimits.ts';
import { findPartnerSessionUser } from '../../models/partners.ts';
import { enableTwoFactor, findTwoFactorState, spendRecoveryCode, spendTotpStep } from '../../models/twoFactor.ts';
import { recordPartnerSignedIn } from '../../models/signInEvents.ts';

// How long the second step waits after the password.
const SECOND_STEP_MS = 10 * 60_000;
const userSecretOwner = (userId: number) => `partner-user:${userId}`;
const enrolmentOwner = (userId: number) => `enrolment:${userId}`;
const recoveryOwner = (userId: number) => `recovery-codes:${userId}`;

function newSessionId(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((error) => (error ? reject(error) : resolve())));
}

// After a right password (controllers/shared/signIn.ts, and an accepted invitation): when the
// user has two-factor, or their company requires it, the session gets a new id and waits for
// the second step; answers where to go, or undefined to sign in at once.
export async function beginSecondStep(deps: RouterDeps, req: Request, user: SessionUser, next: string): Promise<string | undefined> {
  const state = await findTwoFactorState(deps.db, user.id);
  if (!state || (!state.enabled && !state.requiredByCompany)) return undefined;
  await newSessionId(req);
  req.session.partnerSecondStep = { userId: user.id, next, startedAt: Date.now(), enrol: !state.enabled };
  return state.enabled ? paths.partner.signInCode : paths.partner.signInSetUpTwoFactor;
}

// The session is signed in (a new id again) and the sign-in is in the Activity.
async function completeSignIn(deps: RouterDeps, req: Request, user: SessionUser): Promise<void> {
  await signIn(req, user);
  await recordPartnerSignedIn(deps.db, user, req.ip);
}

// The second step under way, for the user it names (still active), or undefined.
async function secondStepUser(deps: RouterDeps, req: Request, enrol: boolean): Promise<SessionUser | undefined> {
  const step = req.session.partnerSecondStep;
  if (!step || step.enrol !== enrol || Date.now() - step.startedAt > SECOND_STEP_MS) return undefined;
  return findPartnerSessionUser(deps.db, step.userId);
}

function backToSignIn(req: Request, res: Response): void {
  req.session.partnerSecondStep = undefined;
  req.session.flash = { kind: 'info', text: 'Sign in again to continue.' };
  res.redirect(303, paths.partner.signIn);
}

// ---- The second step: a code ----

const CODE_VIEW = 'partner/signInCode';
const CODE_LOCALS = { title: 'Enter your two-factor code' };

export function codeGet(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    if (!(await secondStepUser(deps, req, false))) return backToSignIn(req, res);
    res.render(CODE_VIEW, { ...CODE_LOCALS, values: { code: '' } });
  };
}

export function codePost(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const user = await secondStepUser(deps, req, false);
    if (!user) return backToSignIn(req, res);
    const form = readSecondStepCode(req.body);
    if (!form.ok) return renderFailedForm(res, CODE_VIEW, form, CODE_LOCALS);
    // The place is taken before the code is checked: of many codes sent at once, no more
    // than the limit's are checked. A right code clears the user's failures.
    const key = String(user.id);
    const place = await takePlace(deps.db, 'partner-two-factor', key);
    if (!place.taken) {
      return renderFailedForm(res, CODE_VIEW, refusedForm({}, { code: `Too many wrong codes. Try again in ${minutesText(place.retryAfterSeconds)}.` }), CODE_LOCALS, 429);
    }
    const state = await findTwoFactorState(deps.db, user.id);
    if (!state?.enabled || !state.encryptedSecret) return backToSignIn(req, res);
    let accepted = false;
    let recoveryCodeUsed = false;
    if (form.value.kind === 'totp') {
      const secret = decryptSecret(totpKeyFrom(deps.config.totpEncryptionKey), state.encryptedSecret, userSecretOwner(user.id));
      const step = matchingStep(secret, form.value.code);
      accepted = step !== undefined && (await spendTotpStep(deps.db, user.id, step));
    } else {
      accepted = await spendRecoveryCode(deps.db, user, hashRecoveryCode(form.value.code), req.ip);
      recoveryCodeUsed = accepted;
    }
    if (!accepted) {
      const message = form.value.kind === 'totp' ? 'The code is not right, or it was already used. Enter the newest code from your authenticator app.' : 'This recovery code is not right, or it was already used.';
      return renderFailedForm(res, CODE_VIEW, refusedForm({}, { code: message }), CODE_LOCALS);
    }
    await clearPlaces(deps.db, 'partner-two-factor', key);
    const next = req.session.partnerSecondStep!.next;
    await completeSignIn(deps, req, user);
    if (recoveryCodeUsed) {
      const left = state.recoveryCodesLeft - 1;
      req.session.flash = { kind: 'info', text: `You signed in with a recovery code. ${left === 1 ? '1 recovery code is' : `${left} recovery codes are`} left.` };
    }
    res.redirect(303, next);
  };
}

// ---- Setting it up ----

type SetUpContext = 'settings' | 'sign-in';

const SET_UP_VIEW = 'partner/twoFactorSetUp';

async function setUpUser(deps: RouterDeps, req: Request, context: SetUpContext): Promise<SessionUser | undefined> {
  return context === 'settings' ? req.user : secondStepUser(deps, req, true);
}

// The secret being set up: kept (encrypted) in the session until a code confirms it, so the
// QR code stays the same on a failed try or a refresh.
function enrolmentSecret(deps: RouterDeps, req: Request, user: SessionUser): string {
  const key = totpKeyFrom(deps.config.totpEncryptionKey);
  const pending = req.session.twoFactorEnrolment;
  if (pending?.userId === user.id) return decryptSecret(key, pending.encryptedSecret, enrolmentOwner(user.id));
  const secret = newTotpSecret();
  req.session.twoFactorEnrolment = { userId: user.id, encryptedSecret: encryptSecret(key, secret, enrolmentOwner(user.id)) };
  return secret;
}

async function setUpLocals(deps: RouterDeps, req: Request, user: SessionUser, context: SetUpContext) {
  const secret = enrolmentSecret(deps, req, user);
  const uri = totpFor(secret, user.email, `${deps.config.brandName} Partner Portal`).toString();
  return {
    title: 'Set up two-factor sign-in',
    activeTab: 'settings',
    context,
    action: context === 'settings' ? paths.partner.twoFactorSetUp : paths.partner.signInSetUpTwoFactor,
    qrCode: await qrCodeDataUrl(uri),
    secretText: secretForReading(secret),
    email: user.email,
  };
}

export function setUpGet(deps: RouterDeps, context: SetUpContext): RequestHandler {
  return async (req, res) => {
    const user = await setUpUser(deps, req, context);
    if (!user) return backToSignIn(req, res);
    const state = await findTwoFactorState(deps.db, user.id);
    if (state?.enabled) {
      req.session.flash = { kind: 'info', text: 'Two-factor sign-in is already on.' };
      return res.redirect(303, paths.partner.settings);
    }
    res.render(SET_UP_VIEW, { ...(await setUpLocals(deps, req, user, context)), values: { code: '' } });
  };
}

export function setUpPost(deps: RouterDeps, context: SetUpContext): RequestHandler {
  return async (req, res) => {
    const user = await setUpUser(deps, req, context);
    if (!user) return backToSignIn(req, res);
    const locals = await setUpLocals(deps, req, user, context);
    const form = readSetUpCode(req.body);
    if (!form.ok) return renderFailedForm(res, SET_UP_VIEW, form, locals);
    const key = String(user.id);
    const place = await takePlace(deps.db, 'partner-two-factor', key);
    if (!place.taken) {
      return renderFailedForm(res, SET_UP_VIEW, refusedForm({}, { code: `Too many wrong codes. Try again in ${minutesText(place.retryAfterSeconds)}.` }), locals, 429);
    }
    const secret = enrolmentSecret(deps, req, user);
    const step = matchingStep(secret, form.value);
    if (step === undefined) {
      return renderFailedForm(res, SET_UP_VIEW, refusedForm({}, { code: 'The code is not right. Enter the 6-digit code your authenticator app shows now.' }), locals);
    }
    await clearPlaces(deps.db, 'partner-two-factor', key);
    const encryptionKey = totpKeyFrom(deps.config.totpEncryptionKey);
    const codes = newRecoveryCodes();
    await enableTwoFactor(deps.db, user, { encryptedSecret: encryptSecret(encryptionKey, secret, userSecretOwner(user.id)), step, recoveryCodeHashes: codes.map(hashRecoveryCode) }, req.ip);
    let next: string = paths.partner.settings;
    if (context === 'sign-in') {
      next = req.session.partnerSecondStep!.next;
      await completeSignIn(deps, req, user);
    } else {
      req.session.twoFactorEnrolment = undefined;
    }
    req.session.recoveryCodesToShow = { userId: user.id, encrypted: encryptSecret(encryptionKey, JSON.stringify(codes), recoveryOwner(user.id)), next };
    res.redirect(303, paths.partner.recoveryCodes);
  };
}

// ---- The recovery codes, once ----

export function recoveryCodesGet(deps: RouterDeps): RequestHandler {
  return (req, res) => {
    const user = req.user!;
    const toShow = req.session.recoveryCodesToShow;
    req.session.recoveryCodesToShow = undefined;
    if (!toShow || toShow.userId !== user.id) return res.redirect(303, paths.partner.settings);
    const codes = JSON.parse(decryptSecret(totpKeyFrom(deps.config.totpEncryptionKey), toShow.encrypted, recoveryOwner(user.id))) as string[];
    res.render('partner/recoveryCodes', { title: 'Your recovery codes', activeTab: 'settings', codes, next: toShow.next });
  };
}
