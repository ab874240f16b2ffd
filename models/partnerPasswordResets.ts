// A partner user's forgotten password: an emailed link (the same rules as a customer's,
// models/passwordResets.ts: 32 random bytes, only their SHA-256 stored, single use, an hour,
// only the newest works), then a new password. Partner users have no security questions.
import type { Knex } from 'knex';
import type { Config } from '../lib/boot/config.ts';
import type { SessionUser } from '../lib/auth/passport.ts';
import { hashToken, isTokenShaped, newToken } from '../lib/codes.ts';
import { hashSecret } from '../lib/auth/passwords.ts';
import { paths } from '../lib/paths.ts';
import { enqueueEmail } from './outbox.ts';
import { recordAudit } from './audit.ts';
import { findPartnerSessionUser, findPartnerUserByEmail, writePartnerPassword } from './partners.ts';
import { RESET_LINK_MINUTES, resetStateOf, type ResetResult, type ResetState } from './passwordResets.ts';

export interface PartnerPasswordReset {
  resetId: number;
  state: ResetState;
  partnerUserId: number;
}

// Queues a reset link for the partner user with this email, if there is one; the caller
// answers the same either way. The email is the user's own: it belongs to no partner's
// mail pages (no partner id), and the request is in their partner's Activity.
export async function requestPartnerPasswordReset(db: Knex, email: string, config: Pick<Config, 'appUrl'>): Promise<void> {
  const user = await findPartnerUserByEmail(db, email);
  if (!user) return;
  const { token, hash } = newToken();
  const expiresAt = new Date(Date.now() + RESET_LINK_MINUTES * 60_000);
  await db.transaction(async (trx) => {
    await trx('partner_password_resets').where({ partner_user_id: user.id }).whereNull('used_at').delete();
    const [row] = await trx('partner_password_resets').insert({ partner_user_id: user.id, token_hash: hash, expires_at: expiresAt }).returning('id');
    await enqueueEmail(trx, {
      to: user.email,
      template: 'password-reset',
      idempotencyKey: `partner-password-reset:${row.id}`,
      data: { name: user.name, resetUrl: `${config.appUrl}${paths.partner.resetPassword(token)}`, expiresAt: expiresAt.toISOString() },
    });
    await recordAudit(trx, { type: 'system', name: 'Password reset form' }, {
      partnerId: user.partnerId,
      action: 'partner.password_reset_requested',
      details: { email: user.email, partnerUserId: user.id },
    });
  });
}

export async function findPartnerPasswordReset(db: Knex, token: string): Promise<PartnerPasswordReset | undefined> {
  if (!isTokenShaped(token)) return undefined;
  const row = await db('partner_password_resets').where({ token_hash: hashToken(token) }).first('id', 'partner_user_id', 'expires_at', 'used_at');
  return row ? { resetId: row.id, state: resetStateOf(row), partnerUserId: row.partner_user_id } : undefined;
}

// Sets the new password and spends the link in one transaction; a second submit of the
// same link waits on the row lock and then finds it used.
export async function completePartnerPasswordReset(db: Knex, resetId: number, newPassword: string, context: { address?: string }): Promise<ResetResult> {
  const passwordHash = await hashSecret(newPassword);
  return db.transaction(async (trx) => {
    const reset = await trx('partner_password_resets').where({ id: resetId }).forUpdate().first();
    if (!reset) return { outcome: 'no_longer_works' as const };
    const state = resetStateOf(reset);
    if (state !== 'valid') return { outcome: state };
    const user: SessionUser | undefined = await findPartnerSessionUser(trx, reset.partner_user_id);
    if (!user) return { outcome: 'no_longer_works' as const };
    await trx('partner_password_resets').where({ id: resetId }).update({ used_at: trx.fn.now() });
    await writePartnerPassword(trx, user, passwordHash, { action: 'partner.password_reset', address: context.address });
    return { outcome: 'changed' as const, user };
  });
}
