// Partner sign-ins, right and wrong, as events of the partner's Activity (audit_events):
// which email, from which address, when, and the outcome. A failure for an email that
// belongs to no partner user is no partner's business: it goes to the log only.
import type { Knex } from 'knex';
import type { Logger } from '../lib/boot/logger.ts';
import type { SessionUser } from '../lib/auth/passport.ts';
import { recordAudit } from './audit.ts';
import { findPartnerUserByEmail } from './partners.ts';

export type SignInFailure = 'wrong_password' | 'paused';
export type SignInOutcome = 'signed_in' | SignInFailure;

export async function recordPartnerSignedIn(db: Knex, user: SessionUser, address: string | undefined): Promise<void> {
  await recordAudit(db, { type: 'user', user }, {
    partnerId: user.partnerId,
    action: 'partner.signed_in',
    address,
    details: { email: user.email, partnerUserId: user.id, outcome: 'signed_in' },
  });
}

// The attempt was not made by the user whose email it names, so the actor is the sign-in form.
export async function recordPartnerSignInFailed(
  db: Knex,
  logger: Logger,
  attempt: { email: string; address: string | undefined; outcome: SignInFailure },
): Promise<void> {
  const user = await findPartnerUserByEmail(db, attempt.email);
  if (!user) {
    logger.warn({ signIn: { area: 'partner', email: attempt.email, address: attempt.address, outcome: attempt.outcome } }, 'Failed partner sign-in for an email of no partner user');
    return;
  }
  await recordAudit(db, { type: 'system', name: 'Sign-in form' }, {
    partnerId: user.partnerId,
    action: 'partner.sign_in_failed',
    address: attempt.address,
    details: { email: user.email, partnerUserId: user.id, outcome: attempt.outcome },
  });
}

export interface SignInEvent {
  at: Date;
  email: string;
  address: string | null;
  outcome: SignInOutcome;
}

// The signed-in partner user's own recent sign-ins, newest first (their settings page).
export async function listOwnSignIns(db: Knex, user: SessionUser, limit = 20): Promise<SignInEvent[]> {
  const rows = await db('audit_events')
    .where({ partner_id: user.partnerId })
    .whereIn('action', ['partner.signed_in', 'partner.sign_in_failed'])
    .whereRaw(`details->>'partnerUserId' = ?`, [String(user.id)])
    .orderBy('id', 'desc')
    .limit(limit)
    .select('created_at', 'address', 'details');
  return rows.map((r) => ({ at: r.created_at, email: r.details.email, address: r.address, outcome: r.details.outcome }));
}
