// Invitations to a partner's team: an emailed link with the token rules (32 random bytes,
// only their SHA-256 stored, single use, 7 days, only the newest works: a resend replaces
// the stored hash), then a page to set a name and a password, which makes the user.
import type { Knex } from 'knex';
import type { Config } from '../lib/boot/config.ts';
import type { SessionUser } from '../lib/auth/passport.ts';
import { ROLE_LABELS } from '../lib/auth/roles.ts';
import { hashToken, isTokenShaped, newToken } from '../lib/codes.ts';
import { NotFoundError } from '../lib/http/errors.ts';
import { paths } from '../lib/paths.ts';
import { enqueueEmail } from './outbox.ts';
import { recordAudit } from './audit.ts';
import { findPartnerSessionUser } from './partners.ts';
import { TeamRuleError, type AssignableRole } from './team.ts';

export const INVITATION_DAYS = 7;

export type InvitationState = 'valid' | 'expired' | 'no_longer_works';

export interface PendingInvitation {
  id: number;
  email: string;
  role: AssignableRole;
  sentAt: Date;
  expiresAt: Date;
  expired: boolean;
}

export async function listPendingInvitations(db: Knex, partnerId: number): Promise<PendingInvitation[]> {
  const rows = await db('partner_invitations')
    .where({ partner_id: partnerId })
    .whereNull('accepted_at')
    .whereNull('revoked_at')
    .orderBy('id', 'desc')
    .select('id', 'email', 'role', 'sent_at', 'expires_at');
  return rows.map((r) => ({ id: Number(r.id), email: r.email, role: r.role, sentAt: r.sent_at, expiresAt: r.expires_at, expired: r.expires_at <= new Date() }));
}

// A new link for this invitation row, its email queued, in the caller's transaction.
async function sendLink(trx: Knex.Transaction, actor: SessionUser, invitationId: number, email: string, role: AssignableRole, config: Pick<Config, 'appUrl'>) {
  const { token, hash } = newToken();
  const expiresAt = new Date(Date.now() + INVITATION_DAYS * 24 * 3600_000);
  await trx('partner_invitations').where({ id: invitationId }).update({ token_hash: hash, expires_at: expiresAt, sent_at: trx.fn.now() });
  await enqueueEmail(trx, {
    to: email,
    template: 'partner-invitation',
    partnerId: actor.partnerId,
    // One email per link: the hash names it.
    idempotencyKey: `partner-invitation:${invitationId}:${hash.slice(0, 16)}`,
    data: {
      partnerName: actor.partnerName ?? '',
      invitedByName: actor.name,
      roleLabel: ROLE_LABELS[role],
      acceptUrl: `${config.appUrl}${paths.partner.acceptInvitation(token)}`,
      expiresAt: expiresAt.toISOString(),
    },
  });
}

// Invites an address with a role; an open invitation to the same address is replaced (its
// link stops working). An address that already belongs to a partner user is refused.
export async function inviteUser(db: Knex, actor: SessionUser, input: { email: string; role: AssignableRole }, context: { config: Pick<Config, 'appUrl'>; address?: string }): Promise<number> {
  return db.transaction(async (trx) => {
    const existing = await trx('partner_users').whereRaw('lower(email) = lower(?)', [input.email]).first('id', 'partner_id');
    if (existing) {
      throw new TeamRuleError(Number(existing.partner_id) === actor.partnerId ? 'This person is already in your team.' : 'This email address is already used by a Partner Portal user.');
    }
    const open = await trx('partner_invitations')
      .where({ partner_id: actor.partnerId })
      .whereRaw('lower(email) = lower(?)', [input.email])
      .whereNull('accepted_at')
      .whereNull('revoked_at')
      .forUpdate()
      .first('id');
    let invitationId: number;
    if (open) {
      invitationId = Number(open.id);
      await trx('partner_invitations').where({ id: invitationId }).update({ role: input.role, invited_by: actor.id });
    } else {
      // A placeholder hash, replaced by sendLink in this transaction.
      const [row] = await trx('partner_invitations')
        .insert({ partner_id: actor.partnerId, email: input.email, role: input.role, invited_by: actor.id, token_hash: newToken().hash, expires_at: trx.fn.now() })
        .returning('id');
      invitationId = Number(row.id);
    }
    await sendLink(trx, actor, invitationId, input.email, input.role, context.config);
    await recordAudit(trx, { type: 'user', user: actor }, {
      partnerId: actor.partnerId,
      action: 'partner.user_invited',
      address: context.address,
      details: { email: input.email, role: input.role, invitationId },
    });
    return invitationId;
  });
}

async function lockOpenInvitation(trx: Knex.Transaction, actor: SessionUser, invitationId: number) {
  const row = await trx('partner_invitations').where({ id: invitationId, partner_id: actor.partnerId }).forUpdate().first('id', 'email', 'role', 'accepted_at', 'revoked_at');
  if (!row || row.accepted_at || row.revoked_at) throw new NotFoundError();
  return row as { id: number; email: string; role: AssignableRole };
}

export async function resendInvitation(db: Knex, actor: SessionUser, invitationId: number, context: { config: Pick<Config, 'appUrl'>; address?: string }): Promise<string> {
  return db.transaction(async (trx) => {
    const invitation = await lockOpenInvitation(trx, actor, invitationId);
    await sendLink(trx, actor, Number(invitation.id), invitation.email, invitation.role, context.config);
    await recordAudit(trx, { type: 'user', user: actor }, {
      partnerId: actor.partnerId,
      action: 'partner.invitation_resent',
      address: context.address,
      details: { email: invitation.email, invitationId: Number(invitation.id) },
    });
    return invitation.email;
  });
}

export async function revokeInvitation(db: Knex, actor: SessionUser, invitationId: number, address?: string): Promise<string> {
  return db.transaction(async (trx) => {
    const invitation = await lockOpenInvitation(trx, actor, invitationId);
    await trx('partner_invitations').where({ id: invitation.id }).update({ revoked_at: trx.fn.now() });
    await recordAudit(trx, { type: 'user', user: actor }, {
      partnerId: actor.partnerId,
      action: 'partner.invitation_revoked',
      address,
      details: { email: invitation.email, invitationId: Number(invitation.id) },
    });
    return invitation.email;
  });
}

export interface InvitationForAcceptance {
  id: number;
  state: InvitationState;
  email: string;
  partnerName: string;
  role: AssignableRole;
}

function stateOf(row: { accepted_at: Date | null; revoked_at: Date | null; expires_at: Date }): InvitationState {
  if (row.accepted_at || row.revoked_at) return 'no_longer_works';
  return row.expires_at <= new Date() ? 'expired' : 'valid';
}

export async function findInvitationByToken(db: Knex, token: string): Promise<InvitationForAcceptance | undefined> {
  if (!isTokenShaped(token)) return undefined;
  const row = await db('partner_invitations as i')
    .join('partners as p', 'p.id', 'i.partner_id')
    .where('i.token_hash', hashToken(token))
    .first('i.id', 'i.email', 'i.role', 'i.accepted_at', 'i.revoked_at', 'i.expires_at', 'p.name as partner_name');
  return row ? { id: Number(row.id), state: stateOf(row), email: row.email, partnerName: row.partner_name, role: row.role } : undefined;
}

export type AcceptResult = { outcome: 'accepted'; user: SessionUser } | { outcome: 'expired' | 'no_longer_works' | 'email_in_use' };

// Makes the user and spends the invitation in one transaction: submits at once wait on the
// row lock, and all but the first find it used, so one user is made.
export async function acceptInvitation(db: Knex, invitationId: number, input: { name: string; passwordHash: string }, address?: string): Promise<AcceptResult> {
  return db.transaction(async (trx) => {
    const row = await trx('partner_invitations').where({ id: invitationId }).forUpdate().first();
    if (!row) return { outcome: 'no_longer_works' as const };
    const state = stateOf(row);
    if (state !== 'valid') return { outcome: state };
    const taken = await trx('partner_users').whereRaw('lower(email) = lower(?)', [row.email]).first('id');
    if (taken) return { outcome: 'email_in_use' as const };
    const [created] = await trx('partner_users')
      .insert({ partner_id: row.partner_id, name: input.name, email: row.email, password_hash: input.passwordHash, role: row.role })
      .returning('id');
    await trx('partner_invitations').where({ id: row.id }).update({ accepted_at: trx.fn.now(), accepted_user_id: created.id });
    const user = (await findPartnerSessionUser(trx, Number(created.id)))!;
    await recordAudit(trx, { type: 'user', user }, {
      partnerId: user.partnerId,
      action: 'partner.invitation_accepted',
      address,
      details: { email: user.email, role: user.role, partnerUserId: user.id, invitationId: Number(row.id) },
    });
    return { outcome: 'accepted' as const, user };
  });
}
