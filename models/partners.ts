import type { Knex } from 'knex';
import type { PartnerRole, SessionUser, SignInCandidate } from '../lib/auth/passport.ts';
import { hashSecret, verifySecret } from '../lib/auth/passwords.ts';
import { recordAudit } from './audit.ts';

export const PARTNER_USER_COLUMNS = ['u.id', 'u.partner_id', 'u.name', 'u.email', 'u.role', 'p.name as partner_name'];

// Active partner users only: a deactivated user cannot sign in, reset a password or be found.
export function partnerUsers(db: Knex | Knex.Transaction) {
  return db('partner_users as u').join('partners as p', 'p.id', 'u.partner_id').whereNull('u.deactivated_at');
}

export function partnerSessionUser(row: { id: number; partner_id: number; name: string; email: string; role: PartnerRole; partner_name: string }): SessionUser {
  return {
    key: `partner:${row.id}`,
    kind: 'partner',
    id: row.id,
    name: row.name,
    email: row.email,
    partnerId: row.partner_id,
    partnerName: row.partner_name,
    role: row.role,
  };
}

export async function findPartnerUserForSignIn(db: Knex, email: string): Promise<SignInCandidate | undefined> {
  const row = await partnerUsers(db)
    .whereRaw('lower(u.email) = lower(?)', [email])
    .first([...PARTNER_USER_COLUMNS, 'u.password_hash']);
  if (!row) return undefined;
  return { passwordHash: row.password_hash, user: partnerSessionUser(row) };
}

// The partner user with this email, as a session would hold them (sign-in events, reset emails).
export async function findPartnerUserByEmail(db: Knex | Knex.Transaction, email: string): Promise<SessionUser | undefined> {
  const row = await partnerUsers(db).whereRaw('lower(u.email) = lower(?)', [email]).first(PARTNER_USER_COLUMNS);
  return row ? partnerSessionUser(row) : undefined;
}

export async function findPartnerSessionUser(db: Knex | Knex.Transaction, userId: number): Promise<SessionUser | undefined> {
  const row = await partnerUsers(db).where('u.id', userId).first(PARTNER_USER_COLUMNS);
  return row ? partnerSessionUser(row) : undefined;
}

// When the signed-in partner user's password last changed (their settings page); scoped by partner.
export async function findPasswordChangedAt(db: Knex, user: SessionUser): Promise<Date | undefined> {
  const row = await db('partner_users').where({ id: user.id, partner_id: user.partnerId }).first('password_changed_at');
  return row?.password_changed_at;
}

export async function verifyPartnerPassword(db: Knex, userId: number, password: string): Promise<boolean> {
  const row = await db('partner_users').where({ id: userId }).first('password_hash');
  return row ? verifySecret(password, row.password_hash) : false;
}

// A new password for a partner user, in the caller's transaction: any reset link still
// unused stops working, and the change is in the partner's Activity.
export async function writePartnerPassword(
  trx: Knex.Transaction,
  user: SessionUser,
  passwordHash: string,
  context: { action: 'partner.password_changed' | 'partner.password_reset'; address?: string },
): Promise<void> {
  await trx('partner_users').where({ id: user.id, partner_id: user.partnerId }).update({ password_hash: passwordHash, password_changed_at: trx.fn.now(), updated_at: trx.fn.now() });
  await trx('partner_password_resets').where({ partner_user_id: user.id }).whereNull('used_at').delete();
  await recordAudit(trx, { type: 'user', user }, { partnerId: user.partnerId, action: context.action, address: context.address, details: { email: user.email } });
}

export async function changePartnerPassword(db: Knex, user: SessionUser, newPassword: string, address?: string): Promise<void> {
  const passwordHash = await hashSecret(newPassword);
  await db.transaction((trx) => writePartnerPassword(trx, user, passwordHash, { action: 'partner.password_changed', address }));
}

// Whether a partner user has this email (the demo partner, at start-up).
export async function partnerUserExists(db: Knex, email: string): Promise<boolean> {
  return Boolean(await db('partner_users').whereRaw('lower(email) = lower(?)', [email]).first('id'));
}

export class EmailInUseError extends Error {
  constructor(email: string) {
    super(`The email address ${email} is already used by a partner user`);
    this.name = 'EmailInUseError';
  }
}

// A new partner company with its first (owner) user, in one transaction.
export async function createPartnerWithOwner(
  db: Knex,
  input: { company: string; name: string; email: string; passwordHash: string },
): Promise<{ partnerId: number; userId: number }> {
  try {
    return await db.transaction(async (trx) => {
      const [partner] = await trx('partners').insert({ name: input.company }).returning('id');
      const [user] = await trx('partner_users')
        .insert({ partner_id: partner.id, name: input.name, email: input.email, password_hash: input.passwordHash, role: 'owner' })
        .returning('id');
      await recordAudit(trx, { type: 'system', name: 'create-partner command' }, {
        partnerId: partner.id,
        action: 'partner.created',
        details: { company: input.company, ownerEmail: input.email },
      });
      return { partnerId: partner.id, userId: user.id };
    });
  } catch (error) {
    if ((error as { constraint?: string }).constraint === 'partner_users_email_unique') throw new EmailInUseError(input.email);
    throw error;
  }
}
