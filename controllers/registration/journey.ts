// What every step of the registration wizard shares: finding this tab's journey in the
// session, re-checking its link, sending the customer to the step they are due, the
// link-state pages, and finishing (complete, forget, sign in).
import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import { paths } from '../../lib/paths.ts';
import { signIn } from '../../lib/auth/passport.ts';
import { startSessionClock } from '../../lib/session/session.ts';
import type { RouterDeps } from '../../lib/deps.ts';
import { customerEmailInUse } from '../../models/customerUsers.ts';
import { findPartnerBrand } from '../../models/companyProfile.ts';
import { passwordContextFor } from '../../validators/registration.ts';
import { completeRegistration, findInvitation, type AccountInformation, type LinkState, type RegistrationInvitation } from '../../models/registration.ts';

export type Journey = Express.SessionData['registration'][string];
export type Step = 'computer' | 'account' | 'personal';

// A session keeps only a few journeys (tabs); the oldest goes first.
const MAX_JOURNEYS = 5;

export interface OpenJourney {
  journeyId: string;
  journey: Journey;
  invitation: RegistrationInvitation;
}

export function stepUrl(step: Step, journeyId: string): string {
  return paths.registration[step](journeyId);
}

// Safe Backup Pro: one screen. Safe: the computer first when Carbonite is already installed
// on the subscription, until the customer has named that computer; then account information.
export function dueStep(invitation: RegistrationInvitation, journey: Journey): Step {
  if (invitation.productId === 'safe-backup-pro') return 'personal';
  if (invitation.installations > 0 && journey.confirmedInstallationId === undefined) return 'computer';
  return 'account';
}

export function computerStepApplies(invitation: RegistrationInvitation): boolean {
  return invitation.productId === 'safe' && invitation.installations > 0;
}

// The same journey id for the same link in the same session, so reopening the email's link
// does not pile up journeys.
export function beginJourney(req: Request, invitationId: number): string {
  const journeys = { ...(req.session.registration ?? {}) };
  const existing = Object.entries(journeys).find(([, j]) => j.invitationId === invitationId);
  if (existing) return existing[0];
  const journeyId = crypto.randomBytes(16).toString('base64url');
  journeys[journeyId] = { invitationId, startedAt: Date.now() };
  const newestFirst = Object.entries(journeys).sort(([, a], [, b]) => b.startedAt - a.startedAt);
  req.session.registration = Object.fromEntries(newestFirst.slice(0, MAX_JOURNEYS));
  // A journey under way is held to the same idle and absolute limits as a signed-in session.
  if (req.session.createdAt === undefined) startSessionClock(req);
  return journeyId;
}

export function forgetJourney(req: Request, journeyId: string): void {
  const journeys = req.session.registration;
  if (!journeys || !Object.prototype.hasOwnProperty.call(journeys, journeyId)) return;
  const { [journeyId]: _done, ...others } = journeys;
  if (Object.keys(others).length === 0) delete req.session.registration;
  else req.session.registration = others;
}

function journeyIdFrom(req: Request): string {
  const value = req.params.journeyId;
  return typeof value === 'string' ? value : '';
}

export function findJourney(req: Request, journeyId: string): Journey | undefined {
  const journeys = req.session.registration;
  return journeys && Object.prototype.hasOwnProperty.call(journeys, journeyId) ? journeys[journeyId] : undefined;
}

// The pages for a link that cannot be used. None of them names the account or the email.
export function renderLinkState(res: Response, state: Exclude<LinkState, 'valid'>, options: { journeyId?: string; afterSubmit?: boolean } = {}): void {
  if (state === 'used') {
    res.status(options.afterSubmit ? 409 : 200).render('registration/alreadyComplete', { title: 'Registration is already complete' });
  } else if (state === 'expired') {
    res.status(410).render('registration/linkExpired', { title: 'This registration link has expired', journeyId: options.journeyId });
  } else {
    res.status(404).render('registration/linkNoLongerWorks', { title: 'This registration link no longer works' });
  }
}

function renderNoJourney(res: Response): void {
  res.status(404).render('registration/noJourney', { title: 'Open your registration link again' });
}

function renderEmailInUse(res: Response): void {
  res.status(409).render('registration/emailInUse', { title: 'This email address already has an account' });
}

// Guards a step: a journey of this session, a link still usable, and the step the customer
// is due (the computer step may be revisited through Back). Answers undefined when it has
// already answered the request.
export async function openJourney(deps: RouterDeps, req: Request, res: Response, step: Step): Promise<OpenJourney | undefined> {
  const journeyId = journeyIdFrom(req);
  const journey = findJourney(req, journeyId);
  if (!journey) {
    renderNoJourney(res);
    return undefined;
  }
  const invitation = await findInvitation(deps.db, journey.invitationId);
  if (!invitation || invitation.state !== 'valid') {
    const state = invitation?.state ?? 'no_longer_works';
    // An expired link keeps its journey: "Send me a new link" names it.
    if (state !== 'expired') forgetJourney(req, journeyId);
    renderLinkState(res, state as Exclude<LinkState, 'valid'>, { journeyId, afterSubmit: req.method === 'POST' });
    return undefined;
  }
  if (await customerEmailInUse(deps.db, invitation.email)) {
    forgetJourney(req, journeyId);
    renderEmailInUse(res);
    return undefined;
  }
  const due = dueStep(invitation, journey);
  const allowed = step === due || (step === 'computer' && computerStepApplies(invitation));
  if (!allowed) {
    res.redirect(303, stepUrl(due, journeyId));
    return undefined;
  }
  // Every step shows who manages the subscription (views/partials/partnerBrand.ejs).
  res.locals.partnerBrand = await findPartnerBrand(deps.db, invitation.partnerId);
  return { journeyId, journey, invitation };
}

export function passwordContext(deps: RouterDeps, invitation: RegistrationInvitation): string[] {
  return passwordContextFor(invitation.email, deps.config.brandName);
}

// The last step's submit: complete in one transaction, forget this journey, then sign the
// customer in on a new session id (keeping any other tab's journey) and land on the Portal.
export async function finishRegistration(deps: RouterDeps, req: Request, res: Response, open: OpenJourney, info: AccountInformation): Promise<void> {
  const result = await completeRegistration(deps.db, open.invitation.invitationId, info, { address: req.ip });
  if (result.outcome === 'email_in_use') {
    forgetJourney(req, open.journeyId);
    return renderEmailInUse(res);
  }
  if (result.outcome !== 'completed') {
    if (result.outcome !== 'expired') forgetJourney(req, open.journeyId);
    return renderLinkState(res, result.outcome, { journeyId: open.journeyId, afterSubmit: true });
  }
  forgetJourney(req, open.journeyId);
  const otherJourneys = req.session.registration;
  await signIn(req, result.user);
  if (otherJourneys) req.session.registration = otherJourneys;
  req.session.flash = { kind: 'success', text: `Congratulations, your ${deps.config.brandName} account is complete.` };
  res.redirect(303, paths.portal.home);
}
