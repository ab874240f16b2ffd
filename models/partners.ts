import type { Knex } from 'knex';
import type { SignInCandidate } from '../lib/auth/passport.ts';
import { recordAudit } from './audit.ts';

export async function findPartnerUserForSignIn(db: Knex, email: string): Promise<SignInCandidate | undefined> {
  const row = await db('partner_users as u')
    .join('partners as p', 'p.id', 'u.partner_id')
    .whereRaw('lower(u.email) = lower(?)', [email])
    .first('u.id', 'u.partner_id', 'u.name', 'u.email', 'u.role', 'u.password_hash', 'p.name as partner_name');
  if (!row) return undefined;
  return {
    passwordHash: row.password_hash,
    user: {
      key: `partner:${row.id}`,
      kind: 'partner',
      id: row.id,
      name: row.name,
      email: row.email,
      partnerId: row.partner_id,
      partnerName: row.partner_name,
      role: row.role,
    },
  };
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
