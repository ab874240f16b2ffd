import type { Knex } from 'knex';

// The transactional outbox. Code that wants an email calls enqueueEmail with the same
// transaction as the change that causes it: if that rolls back, no email exists. Nothing
// sends mail inline in a request; the delivery worker does.

// Each is a folder of views/emails/ (lib/mail/templates.ts renders them).
export const EMAIL_TEMPLATES = ['registration-invitation', 'password-reset'] as const;
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
  await db('outbox_emails')
    .insert({
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
    })
    .onConflict('idempotency_key')
    .ignore();
}
