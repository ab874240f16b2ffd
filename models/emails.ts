import type { Knex } from 'knex';
import type { EmailTemplate } from './outbox.ts';
import * as format from '../lib/views/format.ts';

// What became of the emails in the outbox, in the words a partner reads: queued (not tried
// yet), sent, retrying (the mail server answered "try later" or could not be reached),
// failed (the recipient's server refused it for good), dead (gave up after every attempt).
export type EmailState = 'queued' | 'sent' | 'retrying' | 'failed' | 'dead';

// The state as a tag on a page (the tag--<state> classes in app.css).
export const EMAIL_STATE_LABELS: Record<EmailState, string> = {
  queued: 'Queued',
  sent: 'Sent',
  retrying: 'Retrying',
  failed: 'Refused',
  dead: 'Given up',
};

export const EMAIL_TITLES: Record<EmailTemplate, string> = {
  'registration-invitation': 'Registration email',
  'password-reset': 'Password reset email',
  'partner-invitation': 'Team invitation email',
  'partner-email-change': 'Email address change email',
  'order-confirmation': 'Order confirmation email',
  'auto-renew-refused': 'Auto-renew refused email',
  'weekly-digest': 'Weekly digest email',
  'account-released': 'Account released email',
  'partner-request': 'Partner request email',
  'partner-request-answered': 'Request answered email',
  'administration-request': 'Administration request email',
  'not-backing-up-alert': 'Not backing up alert email',
  'expiry-reminder': 'Expiry reminder email',
};

export interface EmailSummary {
  id: number;
  template: EmailTemplate;
  title: string;
  recipient: string;
  state: EmailState;
  queuedAt: Date;
  sentAt: Date | null;
  attempts: number;
  // When a queued or retrying email is tried next; null once it is sent, failed or dead.
  nextAttemptAt: Date | null;
  lastError: string | null;
}

export interface AccountEmailState {
  // The newest registration email: what the account's dashboard talks about.
  registration: EmailSummary | undefined;
  latest: EmailSummary | undefined;
  // Newest first, at most ACCOUNT_EMAIL_LIMIT.
  emails: EmailSummary[];
}

export interface UndeliveredEmail extends EmailSummary {
  customerAccountId: number | null;
  accountName: string | null;
}

export interface UndeliveredPage {
  emails: UndeliveredEmail[];
  // Pass as `before` for the next (older) page; undefined on the last page.
  nextBefore: number | undefined;
}

const ACCOUNT_EMAIL_LIMIT = 20;

interface OutboxRow {
  id: number;
  template: EmailTemplate;
  recipient: string;
  status: 'pending' | 'sent' | 'failed' | 'dead';
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  sent_at: Date | null;
  created_at: Date;
}

export function emailStateOf(row: Pick<OutboxRow, 'status' | 'attempts'>): EmailState {
  if (row.status === 'pending') return row.attempts > 0 ? 'retrying' : 'queued';
  return row.status;
}

function summary(row: OutboxRow): EmailSummary {
  const state = emailStateOf(row);
  return {
    id: row.id,
    template: row.template,
    title: EMAIL_TITLES[row.template] ?? 'Email',
    recipient: row.recipient,
    state,
    queuedAt: row.created_at,
    sentAt: row.sent_at,
    attempts: row.attempts,
    nextAttemptAt: state === 'queued' || state === 'retrying' ? row.next_attempt_at : null,
    lastError: row.last_error,
  };
}

const SUMMARY_COLUMNS = ['id', 'template', 'recipient', 'status', 'attempts', 'next_attempt_at', 'last_error', 'sent_at', 'created_at'];

// The emails of one of the partner's accounts, newest first. Another partner's account (or
// none) gives undefined, so a dashboard answers 404 rather than showing nothing.
export async function emailStateForAccount(db: Knex, partnerId: number, accountId: number): Promise<AccountEmailState | undefined> {
  if (!Number.isSafeInteger(partnerId) || !Number.isSafeInteger(accountId)) return undefined;
  const columns = SUMMARY_COLUMNS.map((c) => `e.${c}`).join(', ');
  const { rows } = await db.raw<{ rows: (OutboxRow & { account_id: number })[] }>(
    `SELECT a.id AS account_id, ${columns}
       FROM customer_accounts a
       LEFT JOIN LATERAL (
         SELECT ${SUMMARY_COLUMNS.join(', ')} FROM outbox_emails
          WHERE customer_account_id = a.id
          ORDER BY id DESC
          LIMIT ?
       ) e ON true
      WHERE a.id = ? AND a.partner_id = ?
      ORDER BY e.id DESC`,
    [ACCOUNT_EMAIL_LIMIT, accountId, partnerId],
  );
  if (rows.length === 0) return undefined;
  const emails = rows.filter((row) => row.id !== null).map(summary);
  return {
    registration: emails.find((email) => email.template === 'registration-invitation'),
    latest: emails[0],
    emails,
  };
}

// One line for a dashboard, under the email's name: "Sent on 3 December 2026 at 14:05 UTC",
// "Not delivered yet: retrying".
export function emailStateText(email: EmailSummary): string {
  switch (email.state) {
    case 'sent':
      return `Sent on ${format.dateTime(email.sentAt)}`;
    case 'queued':
      return 'Queued: waiting to be sent';
    case 'retrying':
      return 'Not delivered yet: retrying';
    case 'failed':
      return 'Not delivered: the recipient’s mail server refused it';
    case 'dead':
      return `Not delivered: gave up after ${format.count(email.attempts, 'attempt')}`;
  }
}

// The partner's mail that has not been sent (queued, retrying, failed, dead), newest first,
// a page at a time.
export async function listUndeliveredMail(
  db: Knex,
  partnerId: number,
  options: { before?: number; limit?: number } = {},
): Promise<UndeliveredPage> {
  const limit = options.limit ?? 50;
  const query = db('outbox_emails as e')
    .leftJoin('customer_accounts as a', function () {
      this.on('a.id', 'e.customer_account_id').andOn('a.partner_id', 'e.partner_id');
    })
    .where('e.partner_id', partnerId)
    .whereNot('e.status', 'sent')
    .orderBy('e.id', 'desc')
    .limit(limit + 1)
    .select(...SUMMARY_COLUMNS.map((c) => `e.${c}`), 'e.customer_account_id', 'a.name as account_name');
  if (options.before !== undefined) query.where('e.id', '<', options.before);
  const rows: (OutboxRow & { customer_account_id: number | null; account_name: string | null })[] = await query;
  const page = rows.slice(0, limit);
  return {
    emails: page.map((row) => ({ ...summary(row), customerAccountId: row.customer_account_id, accountName: row.account_name })),
    nextBefore: rows.length > limit ? page[page.length - 1].id : undefined,
  };
}

// The developer mailbox (never in production): every email of every partner, newest first.
export interface MailboxEntry extends EmailSummary {
  subject: string | null;
}

export interface MailboxMessage extends MailboxEntry {
  data: Record<string, unknown>;
  html: string | null;
  text: string | null;
  smtpMessageId: string | null;
}

export async function listMailbox(db: Knex, options: { before?: number; limit?: number } = {}): Promise<{ entries: MailboxEntry[]; nextBefore: number | undefined }> {
  const limit = options.limit ?? 50;
  const query = db('outbox_emails')
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .select(...SUMMARY_COLUMNS, 'subject');
  if (options.before !== undefined) query.where('id', '<', options.before);
  const rows: (OutboxRow & { subject: string | null })[] = await query;
  const page = rows.slice(0, limit);
  return {
    entries: page.map((row) => ({ ...summary(row), subject: row.subject })),
    nextBefore: rows.length > limit ? page[page.length - 1].id : undefined,
  };
}

export async function findMailboxMessage(db: Knex, id: number): Promise<MailboxMessage | undefined> {
  if (!Number.isSafeInteger(id)) return undefined;
  const row: (OutboxRow & { subject: string | null; html: string | null; text: string | null; data: Record<string, unknown>; smtp_message_id: string | null }) | undefined =
    await db('outbox_emails').where({ id }).first(...SUMMARY_COLUMNS, 'subject', 'html', 'text', 'data', 'smtp_message_id');
  if (!row) return undefined;
  return { ...summary(row), subject: row.subject, html: row.html, text: row.text, data: row.data, smtpMessageId: row.smtp_message_id };
}
