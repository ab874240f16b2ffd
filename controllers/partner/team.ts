// The Team tab (owner and administrators; lib/auth/roles.ts guards the addresses): the
// company's users and open invitations; inviting, resending and revoking; a user's role,
// deactivation and two-factor reset; ownership's transfer and the two-factor rule (owner).
import type { Request, RequestHandler, Response } from 'express';
import type { RouterDeps } from '../../lib/deps.ts';
import { paths } from '../../lib/paths.ts';
import { signIn } from '../../lib/auth/passport.ts';
import { ROLE_LABELS } from '../../lib/auth/roles.ts';
import { renderFailedForm } from '../../lib/forms/failedForm.ts';
import { refusedForm, type FailedForm } from '../../lib/forms/result.ts';
import { idFrom } from '../../lib/forms/validation.ts';
import { NotFoundError } from '../../lib/http/errors.ts';
import { minutesText, takePlace } from '../../models/rateLimits.ts';
import {
  changeRole,
  deactivateUser,
  findTeamMember,
  isTwoFactorRequired,
  listTeamMembers,
  resetTwoFactor,
  setTwoFactorRequired,
  TeamRuleError,
  transferOwnership,
  type TeamMember,
} from '../../models/team.ts';
import { inviteUser, listPendingInvitations, resendInvitation, revokeInvitation } from '../../models/partnerInvitations.ts';
import { ASSIGNABLE_ROLES, readInvite, readRole, readTransfer, readTwoFactorRequirement } from '../../validators/team.ts';
import { checkCurrentPassword } from '../shared/currentPassword.ts';

const roleChoices = ASSIGNABLE_ROLES.map((value) => ({
  value,
  label: ROLE_LABELS[value],
  hint:
    value === 'admin'
      ? 'Everything: purchases, orders, the team and the company profile'
      : value === 'staff'
        ? 'Accounts, Dashboards, Install, resending registration emails and handing over; no purchases, orders or team'
        : 'Sees and downloads everything a user sees; changes nothing',
}));

function idOf(value: unknown): number {
  const id = idFrom(value);
  if (id === undefined) throw new NotFoundError();
  return id;
}

export function index(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const user = req.user!;
    const [members, invitations, twoFactorRequired] = await Promise.all([
      listTeamMembers(deps.db, user.partnerId),
      listPendingInvitations(deps.db, user.partnerId),
      isTwoFactorRequired(deps.db, user.partnerId),
    ]);
    const self = members.find((m) => m.id === user.id);
    res.render('partner/team', { title: 'Team', activeTab: 'team', members, invitations, twoFactorRequired, selfHasTwoFactor: Boolean(self?.twoFactor), roleLabels: ROLE_LABELS });
  };
}

// ---- Invitations ----

const INVITE_LOCALS = { title: 'Invite a user', activeTab: 'team', roleChoices };

export const inviteGet: RequestHandler = (_req, res) => res.render('partner/invite', { ...INVITE_LOCALS, values: { email: '', role: 'staff' } });

export function invitePost(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const user = req.user!;
    const form = readInvite(req.body);
    if (!form.ok) return renderFailedForm(res, 'partner/invite', form, INVITE_LOCALS);
    const place = await takePlace(deps.db, 'partner-invitation', String(user.partnerId));
    if (!place.taken) {
      return renderFailedForm(res, 'partner/invite', refusedForm(form.value as unknown as Record<string, string>, { email: `Too many invitations sent. Try again in ${minutesText(place.retryAfterSeconds)}.` }), INVITE_LOCALS, 429);
    }
    try {
      await inviteUser(deps.db, user, form.value, { config: deps.config, address: req.ip });
    } catch (error) {
      if (!(error instanceof TeamRuleError)) throw error;
      return renderFailedForm(res, 'partner/invite', refusedForm({ email: form.value.email, role: form.value.role }, { email: error.message }), INVITE_LOCALS);
    }
    req.session.flash = { kind: 'success', text: `Invitation sent to ${form.value.email}. The link works for 7 days.` };
    res.redirect(303, paths.partner.team);
  };
}

export function resendPost(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const invitationId = idOf(req.params.invitationId);
    const place = await takePlace(deps.db, 'partner-invitation', String(req.user!.partnerId));
    if (!place.taken) {
      req.session.flash = { kind: 'info', text: `Too many invitations sent. Try again in ${minutesText(place.retryAfterSeconds)}.` };
      return res.redirect(303, paths.partner.team);
    }
    const email = await resendInvitation(deps.db, req.user!, invitationId, { config: deps.config, address: req.ip });
    req.session.flash = { kind: 'success', text: `A new invitation is on its way to ${email}; the earlier link no longer works.` };
    res.redirect(303, paths.partner.team);
  };
}

export function revokePost(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const email = await revokeInvitation(deps.db, req.user!, idOf(req.params.invitationId), req.ip);
    req.session.flash = { kind: 'success', text: `The invitation to ${email} is revoked; its link no longer works.` };
    res.redirect(303, paths.partner.team);
  };
}

// ---- One user ----

async function renderUser(deps: RouterDeps, req: Request, res: Response, member: TeamMember, failed?: FailedForm, status = 422) {
  const locals = { title: member.name, activeTab: 'team', member, roleChoices, roleLabels: ROLE_LABELS, isSelf: member.id === req.user!.id };
  if (failed) return renderFailedForm(res, 'partner/teamUser', failed, locals, status);
  res.render('partner/teamUser', { ...locals, values: { role: member.role } });
}

export function userGet(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const member = await findTeamMember(deps.db, req.user!.partnerId, idOf(req.params.userId));
    await renderUser(deps, req, res, member);
  };
}

// A team change: the rules' refusals are shown on the user's page, in the named field.
function teamChange(deps: RouterDeps, field: string, change: (req: Request, member: TeamMember) => Promise<string | FailedForm>): RequestHandler {
  return async (req, res) => {
    const member = await findTeamMember(deps.db, req.user!.partnerId, idOf(req.params.userId));
    let outcome: string | FailedForm;
    try {
      outcome = await change(req, member);
    } catch (error) {
      if (!(error instanceof TeamRuleError)) throw error;
      outcome = refusedForm({ role: member.role }, { [field]: error.message });
    }
    if (typeof outcome !== 'string') return renderUser(deps, req, res, member, outcome);
    req.session.flash = { kind: 'success', text: outcome };
    res.redirect(303, paths.partner.team);
  };
}

export function rolePost(deps: RouterDeps): RequestHandler {
  return teamChange(deps, 'role', async (req, member) => {
    const form = readRole(req.body);
    if (!form.ok) return form;
    const changed = await changeRole(deps.db, req.user!, member.id, form.value, req.ip);
    return `${changed.name} is now ${ROLE_LABELS[changed.role]}. They were signed out and sign in again with their new role.`;
  });
}

export function deactivatePost(deps: RouterDeps): RequestHandler {
  return teamChange(deps, 'deactivate', async (req, member) => {
    const changed = await deactivateUser(deps.db, req.user!, member.id, req.ip);
    return `${changed.name} is deactivated and was signed out everywhere.`;
  });
}

export function resetTwoFactorPost(deps: RouterDeps): RequestHandler {
  return teamChange(deps, 'resetTwoFactor', async (req, member) => {
    const changed = await resetTwoFactor(deps.db, req.user!, member.id, req.ip);
    return `${changed.name}’s two-factor sign-in is reset. They can set it up again from their Settings.`;
  });
}

// ---- Ownership and the two-factor rule (owner) ----

async function transferLocals(deps: RouterDeps, req: Request) {
  const members = await listTeamMembers(deps.db, req.user!.partnerId);
  const admins = members.filter((m) => m.role === 'admin' && !m.deactivatedAt);
  return { title: 'Transfer ownership', activeTab: 'team', admins };
}

export function transferGet(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    res.render('partner/transferOwnership', { ...(await transferLocals(deps, req)), values: { userId: '' } });
  };
}

export function transferPost(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const user = req.user!;
    const locals = await transferLocals(deps, req);
    const form = readTransfer(req.body, locals.admins.map((a) => a.id));
    if (!form.ok) return renderFailedForm(res, 'partner/transferOwnership', form, locals);
    const wrong = await checkCurrentPassword(deps, user, form.value.password);
    if (wrong) return renderFailedForm(res, 'partner/transferOwnership', refusedForm({ userId: String(form.value.userId) }, { password: wrong.message }), locals, wrong.status);
    let newOwner: TeamMember;
    try {
      newOwner = await transferOwnership(deps.db, user, form.value.userId, req.ip);
    } catch (error) {
      if (!(error instanceof TeamRuleError)) throw error;
      return renderFailedForm(res, 'partner/transferOwnership', refusedForm({ userId: String(form.value.userId) }, { userId: error.message }), locals);
    }
    // The role change ended this session (the trigger); the former owner carries on, as an
    // administrator, on a new one.
    await signIn(req, { ...user, role: 'admin' });
    req.session.flash = { kind: 'success', text: `${newOwner.name} is now the owner. You are an administrator.` };
    res.redirect(303, paths.partner.team);
  };
}

export function twoFactorRequirementPost(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const form = readTwoFactorRequirement(req.body);
    if (!form.ok) return res.redirect(303, paths.partner.team);
    try {
      await setTwoFactorRequired(deps.db, req.user!, form.value, req.ip);
    } catch (error) {
      if (!(error instanceof TeamRuleError)) throw error;
      req.session.flash = { kind: 'info', text: error.message };
      return res.redirect(303, paths.partner.team);
    }
    req.session.flash = {
      kind: 'success',
      text: form.value
        ? 'Two-factor sign-in is now required for everyone. Users without it were signed out and set it up when they next sign in.'
        : 'Two-factor sign-in is no longer required. Users who have it keep using it.',
    };
    res.redirect(303, paths.partner.team);
  };
}
