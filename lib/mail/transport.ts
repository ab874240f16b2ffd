import nodemailer, { type NodemailerError } from 'nodemailer';
import type { Config } from '../boot/config.ts';

// The one way mail leaves the app: nodemailer's pooled SMTP transport on SMTP_URL.
// Without SMTP_URL (only allowed outside production, see lib/boot/config.ts) there is no
// transport at all: the delivery worker keeps each email in the outbox, where the
// developer mailbox shows it, and marks it sent there (sent_at set, no SMTP message id).

export interface MailMessage {
  to: string;
  subject: string;
  html: string;
  text: string;
  // Fixed per outbox row, so a message sent again after a crash carries the same id.
  messageId: string;
}

export interface Mailer {
  // Where mail goes, without credentials, for logs.
  description: string;
  send(message: MailMessage, signal?: AbortSignal): Promise<{ messageId: string; response: string }>;
  close(): void;
}

export interface MailerTimeouts {
  connectionMs: number;
  greetingMs: number;
  socketMs: number;
}

const DEFAULT_TIMEOUTS: MailerTimeouts = { connectionMs: 20_000, greetingMs: 20_000, socketMs: 60_000 };

// "Carbonite" <no-reply@portal.example.com>: the brand, from the host the links point at.
export function senderFor(config: Pick<Config, 'brandName' | 'appUrl'>): { name: string; address: string } {
  return { name: config.brandName, address: `no-reply@${new URL(config.appUrl).hostname.replace(/^\[|\]$/g, '')}` };
}

export function createMailer(
  config: Pick<Config, 'smtpUrl' | 'brandName' | 'appUrl'>,
  timeouts: MailerTimeouts = DEFAULT_TIMEOUTS,
): Mailer | undefined {
  if (!config.smtpUrl) return undefined;
  const url = new URL(config.smtpUrl);
  const secure = url.protocol === 'smtps:';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port ? Number(url.port) : secure ? 465 : 587;
  const transport = nodemailer.createTransport({
    pool: true,
    host,
    port,
    secure,
    // The URL carries user and password percent-encoded; the server wants them as typed.
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    maxConnections: 5,
    maxMessages: 100,
    connectionTimeout: timeouts.connectionMs,
    greetingTimeout: timeouts.greetingMs,
    socketTimeout: timeouts.socketMs,
  });
  const from = senderFor(config);
  return {
    description: `${url.protocol}//${host}:${port}`,
    async send(message, signal) {
      const info = await transport.sendMail({ from, ...message, signal });
      return { messageId: info.messageId, response: info.response };
    },
    close: () => transport.close(),
  };
}

// A refusal that sending again would only repeat: the server rejected the recipient
// (RCPT TO) or this message (DATA) with a 5xx. A refused sender or a failed sign-in is
// our configuration, and a 4xx or a dropped connection passes: those are retried.
export function isPermanentRejection(error: unknown): boolean {
  const e = error as NodemailerError | undefined;
  return e?.permanent === true && (e.command === 'RCPT TO' || e.command === 'DATA');
}

// What went wrong, short enough to store and show: the server's answer when there is one.
export function describeSendError(error: unknown): string {
  const e = error as NodemailerError | undefined;
  const text = e?.response ? e.response : e?.code ? `${e.code}: ${e.message}` : String(e?.message ?? error);
  return text.replace(/\s+/g, ' ').trim().slice(0, 500);
}
