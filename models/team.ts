// The partner's team: its users and what owners and administrators do to them (roles,
// deactivation, two-factor resets, ownership, the two-factor rule). Every function is
// scoped by the signed-in user's partner: another partner's user is a NotFoundError.
import type { Knex } from 'knex';
import type { PartnerRole, SessionUser } from '../lib/auth/passport.ts';
import { NotFoundError } from '../lib/http/errors.ts';
import { recordAudit } from './audit.ts';

export interface TeamMember {
  id: number;
  name: string;
  email: string;
  role: PartnerRole;
  twoFactor: boolean;
  lastSignInAt: Date | null;
  deactivatedAt: Date | null;
}

// The users of the actor's partner, active ones first; each one's last successful sign-in
// comes from the Activity's sign-in events (their own index).
export async function listTeamMembers(db: Knex, partnerId: number): Promise<TeamMember[]> {
  const rows = await db('partner_users as u')
    .where('u.partner_id', partnerId)
    .select(
      'u.id',
      'u.name',
      'u.email',
      'u.role',
      'u.totp_enabled_at',
      'u.deactivated_at',
      db.raw(
        `(SELECT max(a.created_at) FROM audit_events a
           WHERE a.partner_id = u.partner_id AND a.action = 'partner.signed_in' AND a.details->>'partnerUserId' = u.id::text) AS last_sign_in_at`,
      ),
    )
    .orderByRaw('u.deactivated_at IS NOT NULL, lower(u.name), u.id');
  return rows.map(memberOf);
}

function memberOf(row: Record<string, unknown>): TeamMember {
  return {
    id: Number(row.id),
    name: row.name as string,
    email: row.email as string,
    role: row.role as PartnerRole,
    twoFactor: row.totp_enabled_at != null,
    lastSignInAt: (row.last_sign_in_at as Date | null) ?? null,
    deactivatedAt: (row.deactivated_at as Date | null) ?? null,
  };
}

export async function findTeamMember(db: Knex | Knex.Transaction, partnerId: number, userId: number): Promise<TeamMember> {
  const row = await db('partner_users').where({ id: userId, partner_id: partnerId }).first('id', 'name', 'email', 'role', 'totp_enabled_at', 'deactivated_at');
  if (!row) throw new NotFoundError();
  return memberOf(row);
}

// A change the team's rules refuse, with the words to show.
export class TeamRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TeamRuleError';
  }
}

// The target's row, locked for the change, in the actor's partner only.
async function lockMember(trx: Knex.Transaction, actor: SessionUser, userId: number): Promise<TeamMember> {
  const row = await trx('partner_users').where({ id: userId, partner_id: actor.partnerId }).forUpdate().first('id', 'name', 'email', 'role', 'totp_enabled_at', 'deactivated_at');
  if (!row) throw new NotFoundError();
  return memberOf(row);
}

export type AssignableRole = Exclude<PartnerRole, 'owner'>;

export async function changeRole(db: Knex, actor: SessionUser, userId: number, role: AssignableRole, address?: string): Promise<TeamMember> {
  return db.transaction(async (trx) => {
    const member = await lockMember(trx, actor, userId);
    if (member.deactivatedAt) throw new TeamRuleError('This user is deactivated.');
    if (member.role === 'owner') throw new TeamRuleError('The owner’s role cannot be changed. The owner can transfer ownership to an administrator.');
    if (member.id === actor.id) throw new TeamRuleError('You cannot change your own role. Ask another administrator or the owner.');
    if (member.role === role) return member;
    // The trigger of migration 20261203000200 ends the user's sessions in this transaction.
    await trx('partner_users').where({ id: member.id }).update({ role, updated_at: trx.fn.now() });
    await recordAudit(trx, { type: 'user', user: actor }, {
      partnerId: actor.partnerId,
      action: 'partner.user_role_changed',
      address,
      details: { partnerUserId: member.id, email: member.email, from: member.role, to: role },
    });
    return { ...member, role };
  });
}

export async function deactivateUser(db: Knex, actor: SessionUser, userId: number, address?: string): Promise<TeamMember> {
  return db.transaction(async (trx) => {
    const member = await lockMember(trx, actor, userId);
    if (member.deactivatedAt) return member;
    if (member.role === 'owner') throw new TeamRuleError('The owner cannot be deactivated. The owner can first transfer ownership to an administrator.');
    if (member.id === actor.id) throw new TeamRuleError('You cannot deactivate yourself.');
    // The trigger of this migration ends the user's sessions in this transaction;
    // reset links still unused stop working.
    await trx('partner_users').where({ id: member.id }).update({ deactivated_at: trx.fn.now(), updated_at: trx.fn.now() });
    await trx('partner_password_resets').where({ partner_user_id: member.id }).whereNull('used_at').delete();
    await recordAudit(trx, { type: 'user', user: actor }, {
      partnerId: actor.partnerId,
      action: 'partner.user_deactivated',
      address,
      details: { partnerUserId: member.id, email: member.email, role: member.role },
    });
    return { ...member, deactivatedAt: new Date() };
  });
}

// The user signs in with their password alone until they set up two-factor again. Where the
// company requires it, their sessions end, so their next sign-in takes them to set it up.
export async function resetTwoFactor(db: Knex, actor: SessionUser, userId: number, address?: string): Promise<TeamMember> {
  return db.transaction(async (trx) => {
    const member = await lockMember(trx, actor, userId);
    if (member.deactivatedAt) throw new TeamRuleError('This user is deactivated.');
    if (member.role === 'owner' && actor.role !== 'owner') throw new TeamRuleError('Only the owner can reset the owner’s two-factor sign-in.');
    if (!member.twoFactor) return member;
    await trx('partner_users').where({ id: member.id }).update({ totp_secret_encrypted: null, totp_enabled_at: null, totp_last_step: null, updated_at: trx.fn.now() });
    await trx('partner_recovery_codes').where({ partner_user_id: member.id }).delete();
    if (await isTwoFactorRequired(trx, actor.partnerId)) await endSessionsWithoutTwoFactor(trx, actor.partnerId);
    await recordAudit(trx, { type: 'user', user: actor }, {
      partnerId: actor.partnerId,
      action: 'partner.two_factor_reset',
      address,
      details: { partnerUserId: member.id, email: member.email },
    });
    return { ...member, twoFactor: false };
  });
}

// The owner hands ownership to an active administrator and becomes an administrator. Both
// rows are locked; the owner is demoted before the new one is promoted, so the one-owner
// index holds at every statement. Both users' sessions end (their roles changed).
export async function transferOwnership(db: Knex, actor: SessionUser, userId: number, address?: string): Promise<TeamMember> {
  return db.transaction(async (trx) => {
    const self = await lockMember(trx, actor, actor.id);
    if (self.role !== 'owner' || self.deactivatedAt) throw new TeamRuleError('Only the owner can transfer ownership.');
    const member = await lockMember(trx, actor, userId);
    if (member.id === actor.id) throw new TeamRuleError('Choose an administrator other than yourself.');
    if (member.deactivatedAt || member.role !== 'admin') throw new TeamRuleError('Ownership can only go to an active administrator.');
    await trx('partner_users').where({ id: self.id }).update({ role: 'admin', updated_at: trx.fn.now() });
    await trx('partner_users').where({ id: member.id }).update({ role: 'owner', updated_at: trx.fn.now() });
    await recordAudit(trx, { type: 'user', user: actor }, {
      partnerId: actor.partnerId,
      action: 'partner.ownership_transferred',
      address,
      details: { partnerUserId: member.id, email: member.email, fromEmail: self.email },
    });
    return { ...member, role: 'owner' };
  });
}

export async function isTwoFactorRequired(db: Knex | Knex.Transaction, partnerId: number): Promise<boolean> {
  const row = await db('partners').where({ id: partnerId }).first('two_factor_required');
  return Boolean(row?.two_factor_required);
}

// Sessions of the partner's users who have no two-factor end: signing in again takes them to
// set it up, and until then they can do nothing else.
async function endSessionsWithoutTwoFactor(trx: Knex.Transaction, partnerId: number): Promise<void> {
  await trx.raw(
    `DELETE FROM session WHERE sess->'passport'->'user'->>'key' IN
       (SELECT 'partner:' || id FROM partner_users WHERE partner_id = ? AND totp_enabled_at IS NULL)`,
    [partnerId],
  );
}

// Requiring it needs the owner's own two-factor first, so the rule never signs its maker out.
export async function setTwoFactorRequired(db: Knex, actor: SessionUser, required: boolean, address?: string): Promise<void> {
  await db.transaction(async (trx) => {
    const self = await lockMember(trx, actor, actor.id);
    if (required && !self.twoFactor) throw new TeamRuleError('Set up two-factor sign-in for yourself first, in your Settings.');
    const updated = await trx('partners').where({ id: actor.partnerId }).whereNot({ two_factor_required: required }).update({ two_factor_required: required });
    if (updated === 0) return;
    if (required) await endSessionsWithoutTwoFactor(trx, actor.partnerId);
    await recordAudit(trx, { type: 'user', user: actor }, {
      partnerId: actor.partnerId,
      action: required ? 'partner.two_factor_required' : 'partner.two_factor_not_required',
      address,
    });
  });
}
