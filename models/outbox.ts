import type { Knex } from 'knex';

// The transactional outbox. Code that wants an email calls enqueueEmail with the same
// transaction as the change that causes it: if that rolls back, no email exists. Nothing
// sends mail inline in a request; the delivery worker does.

// Each is a folder of views/emails/ (lib/mail/templates.ts renders them).
export const EMAIL_TEMPLATES = ['registration-invitation', 'password-reset', 'order-confirmation', 'auto-renew-refused', 'partner-invitation', 'partner-email-change', 'weekly-digest', 'account-released', 'partner-request', 'partner-request-answered', 'administration-request', 'not-backing-up-alert', 'expiry-reminder'] as const;
export type EmailTemplate = (typeof EMAIL_TEMPLATES)[number];

export interface OutgoingEmail {
  to: string;
  template: EmailTemplate;
  data: Record<string, unknown>;
  partnerId?: number | null;
  customerAccountId?: number | null;
  // The same key twice is one email: a retried request cannot queue a second copy.
  idempotencyKey: string;
}

export async function enqueueEmail(db: Knex | Knex.Transaction, email: OutgoingEmail): Promise<void> {
  await enqueueEmails(db, [email]);
}

// Many at once (a bulk purchase's registration emails): a multi-row insert per thousand.
export async function enqueueEmails(db: Knex | Knex.Transaction, emails: OutgoingEmail[]): Promise<void> {
  for (let start = 0; start < emails.length; start += 1000) {
    await db('outbox_emails')
      .insert(
        emails.slice(start, start + 1000).map((email) => ({
          idempotency_key: email.idempotencyKey,
          recipient: email.to,
          template: email.template,
          data: JSON.stringify(email.data),
          // Mail about an account belongs to its partner even when the caller leaves partnerId out:
          // that is what scopes the partner's Undelivered mail page.
          partner_id:
            email.partnerId ??
            (email.customerAccountId ? db.raw('(SELECT partner_id FROM customer_accounts WHERE id = ?)', [email.customerAccountId]) : null),
          customer_account_id: email.customerAccountId ?? null,
        })),
      )
      .onConflict('idempotency_key')
      .ignore();
  }
}

// The delivery worker's side (lib/mail/deliveryWorker.ts): claims and outcomes.

export interface ClaimedEmail {
  id: number;
  idempotency_key: string;
  recipient: string;
  template: string;
  data: Record<string, unknown>;
  attempts: number;
}

// The parts a sent email was made of; only the developer mailbox keeps them.
export interface RenderedParts {
  subject: string;
  html: string;
  text: string;
}

// Which pending rows a claim takes: those due now, or (the probe) those waiting for a retry.
export type ClaimKind = 'due' | 'waiting';

const CLAIM_CONDITIONS: Record<ClaimKind, string> = {
  due: 'next_attempt_at <= now()',
  waiting: 'attempts > 0 AND next_attempt_at > now()',
};

// Claims up to `limit` pending rows in one statement: rows another worker holds are skipped
// (FOR UPDATE SKIP LOCKED), and a row's claim is re-checked on its newest version, so it is
// taken once. A claim expires after claimSeconds, so a crashed worker's rows come back.
export async function claimEmails(db: Knex, kind: ClaimKind, options: { limit: number; claimSeconds: number; workerId: string }): Promise<ClaimedEmail[]> {
  const { rows } = await db.raw<{ rows: ClaimedEmail[] }>(
    `WITH due AS (
       SELECT id FROM outbox_emails
        WHERE status = 'pending' AND (claimed_until IS NULL OR claimed_until < now()) AND ${CLAIM_CONDITIONS[kind]}
        ORDER BY next_attempt_at, id
        LIMIT ?
        FOR UPDATE SKIP LOCKED
     )
     UPDATE outbox_emails e
        SET claimed_until = now() + make_interval(secs => ?), claimed_by = ?
       FROM due
      WHERE e.id = due.id
     RETURNING e.id, e.idempotency_key, e.recipient, e.template, e.data, e.attempts`,
    [options.limit, options.claimSeconds, options.workerId],
  );
  return rows;
}

// Every outcome is written only while the worker still holds the claim.
function heldBy(db: Knex, id: number, workerId: string) {
  return db('outbox_emails').where({ id, claimed_by: workerId, status: 'pending' });
}

const RELEASED = { claimed_until: null, claimed_by: null };

// What a row keeps once it will never be sent again: what the partner's pages read
// (template, recipient, status, times, message id, account), nothing it was made of. Its
// data held the registration or reset link and the key code: live secrets, not at rest.
const CONTENT_DROPPED = { data: '{}', subject: null, html: null, text: null };

// Answers false when the claim was lost meanwhile (nothing written).
export async function recordEmailSent(
  db: Knex,
  id: number,
  workerId: string,
  outcome: { messageId: string | null; keptForDeveloperMailbox?: RenderedParts },
): Promise<boolean> {
  const updated = await heldBy(db, id, workerId).update({
    ...(outcome.keptForDeveloperMailbox ?? CONTENT_DROPPED),
    ...RELEASED,
    status: 'sent',
    sent_at: db.fn.now(),
    smtp_message_id: outcome.messageId,
    attempts: db.raw('attempts + 1'),
  });
  return updated > 0;
}

export type FailureOutcome =
  // Refused for good, or given up after the last attempt: never tried again.
  | { kind: 'failed' | 'dead'; attempts: number }
  // Tried again after retryInSeconds.
  | { kind: 'retry'; attempts: number; retryInSeconds: number }
  // A probe that failed: the row keeps its own schedule.
  | { kind: 'probe' };

export async function recordEmailFailure(db: Knex, id: number, workerId: string, outcome: FailureOutcome, lastError: string): Promise<void> {
  let fields: Record<string, unknown>;
  switch (outcome.kind) {
    case 'failed':
    case 'dead':
      fields = { ...CONTENT_DROPPED, status: outcome.kind, attempts: outcome.attempts };
      break;
    case 'retry':
      fields = { attempts: outcome.attempts, next_attempt_at: db.raw('now() + make_interval(secs => ?)', [outcome.retryInSeconds]) };
      break;
    case 'probe':
      fields = {};
  }
  await heldBy(db, id, workerId).update({ ...fields, ...RELEASED, last_error: lastError });
}

// Gives back the worker's claims on these rows (every row it holds when ids is left out).
export async function releaseEmailClaims(db: Knex, workerId: string, ids?: number[]): Promise<void> {
  if (ids && ids.length === 0) return;
  const query = db('outbox_emails').where({ claimed_by: workerId, status: 'pending' });
  if (ids) query.whereIn('id', ids);
  await query.update(RELEASED);
}

// The mail server is back: every email waiting for a retry is due now. Answers how many.
export async function makeWaitingEmailsDue(db: Knex): Promise<number> {
  return db('outbox_emails')
    .where({ status: 'pending' })
    .andWhere('attempts', '>', 0)
    .andWhere('next_attempt_at', '>', db.fn.now())
    .update({ next_attempt_at: db.fn.now() });
}
