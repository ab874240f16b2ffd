// Partner users' two-factor sign-in: the encrypted TOTP secret, the last time step used (a
// code never works twice) and the recovery codes (hashed, each once).
import type { Knex } from 'knex';
import type { SessionUser } from '../lib/auth/passport.ts';
import { recordAudit } from './audit.ts';

export interface TwoFactorState {
  enabled: boolean;
  enabledAt: Date | null;
  encryptedSecret: string | null;
  recoveryCodesLeft: number;
  requiredByCompany: boolean;
}

// An active user's state, or undefined for a user who is gone or deactivated.
export async function findTwoFactorState(db: Knex, userId: number): Promise<TwoFactorState | undefined> {
  const row = await db('partner_users as u')
    .join('partners as p', 'p.id', 'u.partner_id')
    .where('u.id', userId)
    .whereNull('u.deactivated_at')
    .first(
      'u.totp_secret_encrypted',
      'u.totp_enabled_at',
      'p.two_factor_required',
      db.raw('(SELECT count(*) FROM partner_recovery_codes c WHERE c.partner_user_id = u.id AND c.used_at IS NULL)::int AS codes_left'),
    );
  if (!row) return undefined;
  return {
    enabled: row.totp_enabled_at != null,
    enabledAt: row.totp_enabled_at,
    encryptedSecret: row.totp_secret_encrypted,
    recoveryCodesLeft: row.codes_left,
    requiredByCompany: row.two_factor_required,
  };
}

// Turns two-factor on with a secret the user has just proved with a code of `step` (that
// step is spent), and new recovery codes in place of any old ones.
export async function enableTwoFactor(
  db: Knex,
  user: SessionUser,
  input: { encryptedSecret: string; step: number; recoveryCodeHashes: string[] },
  address?: string,
): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('partner_users')
      .where({ id: user.id, partner_id: user.partnerId })
      .update({ totp_secret_encrypted: input.encryptedSecret, totp_enabled_at: trx.fn.now(), totp_last_step: input.step, updated_at: trx.fn.now() });
    await trx('partner_recovery_codes').where({ partner_user_id: user.id }).delete();
    await trx('partner_recovery_codes').insert(input.recoveryCodeHashes.map((code_hash) => ({ partner_user_id: user.id, code_hash })));
    await recordAudit(trx, { type: 'user', user }, {
      partnerId: user.partnerId,
      action: 'partner.two_factor_enabled',
      address,
      details: { email: user.email, partnerUserId: user.id },
    });
  });
}

// Spends a time step: true only for the first use of a step newer than any used before,
// however many requests try it at once (one conditional UPDATE).
export async function spendTotpStep(db: Knex, userId: number, step: number): Promise<boolean> {
  const updated = await db('partner_users')
    .where({ id: userId })
    .whereNotNull('totp_enabled_at')
    .where((q) => q.whereNull('totp_last_step').orWhere('totp_last_step', '<', step))
    .update({ totp_last_step: step });
  return updated === 1;
}

// Spends a recovery code: true once per code.
export async function spendRecoveryCode(db: Knex, user: SessionUser, codeHash: string, address?: string): Promise<boolean> {
  return db.transaction(async (trx) => {
    const updated = await trx('partner_recovery_codes').where({ partner_user_id: user.id, code_hash: codeHash }).whereNull('used_at').update({ used_at: trx.fn.now() });
    if (updated !== 1) return false;
    await recordAudit(trx, { type: 'user', user }, {
      partnerId: user.partnerId,
      action: 'partner.recovery_code_used',
      address,
      details: { email: user.email, partnerUserId: user.id },
    });
    return true;
  });
}
