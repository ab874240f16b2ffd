// The emailed team invitation: a page to choose a name and a password, which makes the user;
// then two-factor set-up when the company requires it, and the user is signed in.
import type { Request, RequestHandler, Response } from 'express';
import type { RouterDeps } from '../../lib/deps.ts';
import { paths } from '../../lib/paths.ts';
import { signIn } from '../../lib/auth/passport.ts';
import { ROLE_LABELS } from '../../lib/auth/roles.ts';
import { hashSecret } from '../../lib/auth/passwords.ts';
import { linkWasKnown, refuseIfGuessing } from '../../lib/auth/linkThrottle.ts';
import { renderFailedForm } from '../../lib/forms/failedForm.ts';
import { acceptInvitation, findInvitationByToken, type InvitationForAcceptance } from '../../models/partnerInvitations.ts';
import { recordPartnerSignedIn } from '../../models/signInEvents.ts';
import { passwordContextFor } from '../../validators/registration.ts';
import { readAcceptance } from '../../validators/team.ts';
import { beginSecondStep } from './twoFactor.ts';

type Problem = 'expired' | 'no_longer_works' | 'email_in_use';

function renderProblem(res: Response, reason: Problem) {
  const titles: Record<Problem, string> = {
    expired: 'This invitation has expired',
    no_longer_works: 'This invitation no longer works',
    email_in_use: 'This email address already has a sign-in',
  };
  res.status(reason === 'expired' ? 410 : reason === 'email_in_use' ? 409 : 404).render('partner/invitationProblem', { title: titles[reason], reason });
}

// The link is looked up on every request; an address opening links that do not exist is paused.
async function openInvitation(deps: RouterDeps, req: Request, res: Response): Promise<{ token: string; invitation: InvitationForAcceptance } | undefined> {
  const token = typeof req.params.token === 'string' ? req.params.token : '';
  const place = await refuseIfGuessing(deps.db, req);
  const invitation = await findInvitationByToken(deps.db, token);
  if (invitation) await linkWasKnown(deps.db, place);
  if (!invitation || invitation.state !== 'valid') {
    renderProblem(res, invitation?.state === 'expired' ? 'expired' : 'no_longer_works');
    return undefined;
  }
  return { token, invitation };
}

const pageLocals = (token: string, invitation: InvitationForAcceptance) => ({
  title: `Join ${invitation.partnerName}`,
  action: paths.partner.acceptInvitation(token),
  invitation,
  email: invitation.email,
  roleLabel: ROLE_LABELS[invitation.role],
});

export function get(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const open = await openInvitation(deps, req, res);
    if (open) res.render('partner/acceptInvitation', { ...pageLocals(open.token, open.invitation), values: { name: '' } });
  };
}

export function post(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const open = await openInvitation(deps, req, res);
    if (!open) return;
    const { invitation } = open;
    const form = readAcceptance(req.body, passwordContextFor(invitation.email, deps.config.brandName, invitation.partnerName));
    if (!form.ok) return renderFailedForm(res, 'partner/acceptInvitation', form, pageLocals(open.token, invitation));
    const result = await acceptInvitation(deps.db, invitation.id, { name: form.value.name, passwordHash: await hashSecret(form.value.password) }, req.ip);
    if (result.outcome !== 'accepted') return renderProblem(res, result.outcome);
    const secondStep = await beginSecondStep(deps, req, result.user, paths.partner.accounts);
    if (secondStep) return res.redirect(303, secondStep);
    await signIn(req, result.user);
    await recordPartnerSignedIn(deps.db, result.user, req.ip);
    req.session.flash = { kind: 'success', text: `Welcome to ${invitation.partnerName}’s Partner Portal.` };
    res.redirect(303, paths.partner.accounts);
  };
}
