// What a partner does to one account: resend its registration email, hand its administration over.
import type { Knex } from 'knex';
import type { SessionUser } from '../../lib/auth/passport.ts';
import { NotFoundError } from '../../lib/http/errors.ts';
import { RATE_LIMITS, takePlace } from '../rateLimits.ts';
import { recordAudit } from '../audit.ts';
import { issueInvitation, type InvitationConfig } from '../registrationInvitations.ts';

export interface ActionContext {
  address?: string;
  config: InvitationConfig;
}

// A partner can resend often enough to fix a typo or a lost email, not enough to flood an inbox.
export const RESEND_LIMIT = RATE_LIMITS['registration-resend'];

export type ResendResult =
  | { sent: true; email: string; expiresAt: Date }
  | { sent: false; reason: 'not_pending' }
  | { sent: false; reason: 'limited'; retryAfterSeconds: number };

// Sends a new registration link for a customer-managed account that is still to register;
// the old link stops working in the same transaction.
export async function resendRegistration(db: Knex, actor: SessionUser, accountId: number, context: ActionContext): Promise<ResendResult> {
  const partnerId = actor.partnerId;
  const account = await db('customer_accounts').where({ id: accountId, partner_id: partnerId }).first('id');
  if (!account) throw new NotFoundError();
  const place = await takePlace(db, 'registration-resend', String(accountId));
  if (!place.taken) return { sent: false, reason: 'limited', retryAfterSeconds: place.retryAfterSeconds };
  return db.transaction(async (trx) => {
    const locked = await trx('customer_accounts').where({ id: accountId, partner_id: partnerId }).forUpdate().first('administrator', 'status', 'email');
    if (!locked) throw new NotFoundError();
    if (locked.administrator !== 'customer' || locked.status !== 'pending_registration') return { sent: false, reason: 'not_pending' } as const;
    const invitation = await issueInvitation(trx, accountId, context.config);
    await recordAudit(trx, { type: 'user', user: actor }, {
      partnerId,
      customerAccountId: accountId,
      action: 'registration.resent',
      address: context.address,
      details: { email: locked.email },
    });
    return { sent: true, email: locked.email, expiresAt: invitation.expiresAt } as const;
  });
}

export type HandOverResult = { handedOver: true; email: string } | { handedOver: false };

// The partner stops administering the account: the customer, at the email the partner
// confirmed, gets a registration email and takes over once registered.
export async function handOverAdministration(db: Knex, actor: SessionUser, accountId: number, email: string, context: ActionContext): Promise<HandOverResult> {
  const partnerId = actor.partnerId;
  return db.transaction(async (trx) => {
    const account = await trx('customer_accounts').where({ id: accountId, partner_id: partnerId }).forUpdate().first('administrator', 'email');
    if (!account) throw new NotFoundError();
    if (account.administrator !== 'partner') return { handedOver: false } as const;
    await trx('customer_accounts')
      .where({ id: accountId, partner_id: partnerId })
      .update({ email, administrator: 'customer', status: 'pending_registration', updated_at: trx.fn.now() });
    await issueInvitation(trx, accountId, context.config);
    await recordAudit(trx, { type: 'user', user: actor }, {
      partnerId,
      customerAccountId: accountId,
      action: 'administration.handed_over',
      address: context.address,
      details: { email, previousEmail: account.email },
    });
    return { handedOver: true, email } as const;
  });
}
