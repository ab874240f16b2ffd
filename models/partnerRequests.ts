// Requests a partner makes and the customer answers in their Portal (issue 16):
// Add an existing customer ('manage': a direct account joins the partner's Accounts) and
// the partner asking to become the account administrator ('administer').
import type { Knex } from 'knex';
import type { SessionUser } from '../lib/auth/passport.ts';
import { NotFoundError } from '../lib/http/errors.ts';
import { paths } from '../lib/paths.ts';
import { recordAudit } from './audit.ts';
import { enqueueEmail } from './outbox.ts';
import { takePlace } from './rateLimits.ts';

export const REQUEST_DAYS = 14;

export type RequestKind = 'manage' | 'administer';

export interface RequestContext {
  address?: string;
  config: { appUrl: string };
}

const KIND_WORDS: Record<RequestKind, string> = {
  manage: 'to manage their account',
  administer: 'to become the administrator of their account',
};

export type AskResult = { asked: true } | { asked: false; retryAfterSeconds: number };

// Add an existing customer. The partner's answer is the same whether the email is a direct
// customer's, another partner's customer's, already asked or nobody's: only the limit shows.
export async function askToManage(db: Knex, actor: SessionUser, email: string, context: RequestContext): Promise<AskResult> {
  const partnerId = actor.partnerId;
  const place = await takePlace(db, 'partner-customer-request', String(partnerId));
  if (!place.taken) return { asked: false, retryAfterSeconds: place.retryAfterSeconds };
  await db.transaction(async (trx) => {
    // Recorded whatever comes of it, with what the partner typed: their Activity tells nothing more.
    await recordAudit(trx, { type: 'user', user: actor }, { partnerId, action: 'customer_request.sent', address: context.address, details: { email } });
    const account = await trx('customer_accounts as a')
      .join('customer_users as u', 'u.customer_account_id', 'a.id')
      .whereRaw('lower(u.email) = lower(?)', [email])
      .whereNull('a.partner_id')
      .forUpdate('a')
      .first('a.id', 'a.name', 'u.email');
    if (!account) return;
    await expireOldRequests(trx, account.id);
    const [request] = await trx('partner_requests')
      .insert({
        kind: 'manage',
        partner_id: partnerId,
        customer_account_id: account.id,
        requested_by: actor.id,
        expires_at: trx.raw(`now() + interval '${REQUEST_DAYS} days'`),
      })
      .onConflict(trx.raw(`(customer_account_id) WHERE status = 'pending'`))
      .ignore()
      .returning(['id', 'expires_at']);
    // One pending request per account: another partner's (or this one's) is still waiting.
    if (!request) return;
    const partner = await trx('partners').where({ id: partnerId }).first('name');
    await enqueueEmail(trx, {
      to: account.email,
      template: 'partner-request',
      // Not the partner's mail until the customer accepts: no partner's page lists it.
      partnerId: null,
      customerAccountId: account.id,
      idempotencyKey: `partner-request:${request.id}`,
      data: { partnerName: partner.name, accountName: account.name, portalUrl: `${context.config.appUrl}${paths.portal.home}`, expiresAt: new Date(request.expires_at).toISOString() },
    });
  });
  return { asked: true };
}

// A pending request past its 14 days is expired: marked so before another is made.
async function expireOldRequests(trx: Knex.Transaction, accountId: number): Promise<void> {
  await trx('partner_requests').where({ customer_account_id: accountId, status: 'pending' }).where('expires_at', '<=', trx.fn.now()).update({ status: 'expired' });
}

export interface PendingRequest {
  id: number;
  kind: RequestKind;
  partnerName: string;
  expiresAt: Date;
}

// The request the customer's Portal shows at its top, if one is waiting.
export async function findPendingRequest(db: Knex, customerAccountId: number): Promise<PendingRequest | undefined> {
  const row = await db('partner_requests as r')
    .join('partners as p', 'p.id', 'r.partner_id')
    .where({ 'r.customer_account_id': customerAccountId, 'r.status': 'pending' })
    .where('r.expires_at', '>', db.fn.now())
    .first('r.id', 'r.kind', 'p.name as partner_name', 'r.expires_at');
  return row ? { id: Number(row.id), kind: row.kind, partnerName: row.partner_name, expiresAt: row.expires_at } : undefined;
}

export type Answer = 'accept' | 'decline';
export type AnswerResult = { answered: true; kind: RequestKind; partnerName: string } | { answered: false };

// The customer answers, once: the request row is locked, and one already answered or expired
// is answered no more. Another account's request is a 404.
export async function answerRequest(db: Knex, customer: SessionUser, requestId: number, answer: Answer, context: RequestContext): Promise<AnswerResult> {
  const accountId = customer.customerAccountId;
  if (customer.kind !== 'customer' || !accountId) throw new NotFoundError();
  return db.transaction(async (trx) => {
    const request = await trx('partner_requests').where({ id: requestId, customer_account_id: accountId }).forUpdate().first();
    if (!request) throw new NotFoundError();
    if (request.status !== 'pending' || new Date(request.expires_at) <= new Date()) return { answered: false } as const;
    const kind = request.kind as RequestKind;
    const partnerId = Number(request.partner_id);
    if (answer === 'accept') {
      // 'manage': the account joins the partner, if it still has none; 'administer': it must still be theirs.
      const joined =
        kind === 'manage'
          ? await trx('customer_accounts').where({ id: accountId }).whereNull('partner_id').update({ partner_id: partnerId, updated_at: trx.fn.now() })
          : await trx('customer_accounts').where({ id: accountId, partner_id: partnerId, administrator: 'customer' }).update({ administrator: 'partner', updated_at: trx.fn.now() });
      if (joined === 0) {
        await trx('partner_requests').where({ id: requestId }).update({ status: 'expired' });
        return { answered: false } as const;
      }
    }
    await trx('partner_requests')
      .where({ id: requestId })
      .update({ status: answer === 'accept' ? 'accepted' : 'declined', decided_at: trx.fn.now() });
    const partner = await trx('partners').where({ id: partnerId }).first('name');
    const account = await trx('customer_accounts').where({ id: accountId }).first('name');
    const accepted = answer === 'accept';
    // A declined 'manage' request names no account: the account is still nobody's.
    const visibleAccountId = accepted || kind === 'administer' ? accountId : null;
    await recordAudit(trx, { type: 'user', user: customer }, {
      partnerId,
      customerAccountId: visibleAccountId,
      action: `${kind === 'manage' ? 'customer_request' : 'administration_request'}.${accepted ? 'accepted' : 'declined'}`,
      address: context.address,
      details: { email: customer.email },
    });
    const requester = request.requested_by
      ? await trx('partner_users').where({ id: request.requested_by, partner_id: partnerId }).whereNull('deactivated_at').first('id', 'name', 'email')
      : undefined;
    if (requester) {
      await enqueueEmail(trx, {
        to: requester.email,
        template: 'partner-request-answered',
        partnerId,
        customerAccountId: visibleAccountId,
        idempotencyKey: `partner-request-answered:${requestId}`,
        data: {
          name: requester.name,
          customerEmail: customer.email,
          accountName: accepted || kind === 'administer' ? account.name : customer.email,
          answer: accepted ? 'accepted' : 'declined',
          requestWords: KIND_WORDS[kind],
          linkUrl: `${context.config.appUrl}${visibleAccountId ? paths.partner.account(accountId) : paths.partner.activity}`,
        },
      });
    }
    return { answered: true, kind, partnerName: partner.name } as const;
  });
}

export type AdministrationAskResult = { asked: true } | { asked: false; reason: 'not_customer' | 'not_registered' | 'pending' };

// The partner asks to become the administrator of one of its accounts, the customer's today:
// the customer approves or declines in their Portal.
export async function askToAdminister(db: Knex, actor: SessionUser, accountId: number, context: RequestContext): Promise<AdministrationAskResult> {
  const partnerId = actor.partnerId;
  return db.transaction(async (trx) => {
    const account = await trx('customer_accounts').where({ id: accountId, partner_id: partnerId }).forUpdate().first('id', 'name', 'administrator', 'status');
    if (!account) throw new NotFoundError();
    if (account.administrator !== 'customer') return { asked: false, reason: 'not_customer' } as const;
    const user = await trx('customer_users').where({ customer_account_id: accountId }).first('email');
    if (account.status === 'pending_registration' || !user) return { asked: false, reason: 'not_registered' } as const;
    await expireOldRequests(trx, accountId);
    const [request] = await trx('partner_requests')
      .insert({ kind: 'administer', partner_id: partnerId, customer_account_id: accountId, requested_by: actor.id, expires_at: trx.raw(`now() + interval '${REQUEST_DAYS} days'`) })
      .onConflict(trx.raw(`(customer_account_id) WHERE status = 'pending'`))
      .ignore()
      .returning(['id', 'expires_at']);
    if (!request) return { asked: false, reason: 'pending' } as const;
    const partner = await trx('partners').where({ id: partnerId }).first('name');
    await enqueueEmail(trx, {
      to: user.email,
      template: 'administration-request',
      partnerId,
      customerAccountId: accountId,
      idempotencyKey: `administration-request:${request.id}`,
      data: { partnerName: partner.name, accountName: account.name, portalUrl: `${context.config.appUrl}${paths.portal.home}`, expiresAt: new Date(request.expires_at).toISOString() },
    });
    await recordAudit(trx, { type: 'user', user: actor }, {
      partnerId,
      customerAccountId: accountId,
      action: 'administration_request.sent',
      address: context.address,
      details: { email: user.email },
    });
    return { asked: true } as const;
  });
}

// The partner's own request about one of its accounts, waiting for the customer: the Dashboard shows it.
export async function findAdministrationRequest(db: Knex, partnerId: number, accountId: number): Promise<{ createdAt: Date; expiresAt: Date } | undefined> {
  const row = await db('partner_requests')
    .where({ partner_id: partnerId, customer_account_id: accountId, kind: 'administer', status: 'pending' })
    .where('expires_at', '>', db.fn.now())
    .first('created_at', 'expires_at');
  return row ? { createdAt: row.created_at, expiresAt: row.expires_at } : undefined;
}
