import crypto from 'node:crypto';
import os from 'node:os';
import type { Knex } from 'knex';
import type { Config } from '../boot/config.ts';
import type { Logger } from '../boot/logger.ts';
import { renderEmail, type RenderedEmail } from './templates.ts';
import { describeSendError, isPermanentRejection, type Mailer } from './transport.ts';
import { pruneHits } from '../../models/rateLimits.ts';
import {
  claimEmails,
  makeWaitingEmailsDue,
  recordEmailFailure,
  recordEmailSent,
  releaseEmailClaims,
  type ClaimedEmail,
  type ClaimKind,
  type FailureOutcome,
} from '../../models/outbox.ts';

// Delivers the outbox. Each round claims a few due rows (models/outbox.ts: FOR UPDATE SKIP
// LOCKED, then a claim with an expiry, so two workers never hold one row and a crashed
// worker's rows come back), renders them, sends them, and records the outcome on the row:
// - sent: sent_at and the SMTP message id, and nothing of what the email said (its data
//   held the link and the key code);
// - a 4xx, a dropped connection or anything else that may pass later: still pending, with
//   the error and the next attempt after an exponential backoff; after maxAttempts, dead;
// - a 5xx refusal of the recipient or the message: failed, never tried again (and, like
//   dead, its content dropped).
// Without a mailer (no SMTP_URL, development) a row is rendered, kept whole for the
// developer mailbox and marked sent with no SMTP message id.

export interface DeliveryWorkerOptions {
  pollIntervalMs: number;
  batchSize: number;
  claimTtlMs: number;
  // A send that takes longer is abandoned and retried; well below claimTtlMs.
  sendTimeoutMs: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  maxAttempts: number;
  // While emails wait for a retry, one of them is tried this often without counting as an
  // attempt: when it goes through, the server is back and every waiting email is due now.
  probeIntervalMs: number;
  pruneIntervalMs: number;
  // How long stop() lets sends in flight finish before abandoning them.
  stopGraceMs: number;
  workerId: string;
}

export const DEFAULT_WORKER_OPTIONS: Omit<DeliveryWorkerOptions, 'workerId'> = {
  pollIntervalMs: 1000,
  batchSize: 10,
  claimTtlMs: 5 * 60_000,
  sendTimeoutMs: 2 * 60_000,
  backoffBaseMs: 5000,
  backoffCapMs: 10 * 60_000,
  maxAttempts: 24, // about three hours of retries with the defaults
  probeIntervalMs: 60_000,
  pruneIntervalMs: 60 * 60_000,
  stopGraceMs: 10_000,
};

export interface DeliveryWorkerDeps {
  db: Knex;
  // Owned by the worker from now on: stop() closes it.
  mailer: Mailer | undefined;
  config: Pick<Config, 'brandName' | 'appUrl'>;
  logger: Logger;
}

export interface DeliveryWorker {
  readonly id: string;
  start(): void;
  // Finishes (or, after the grace time, abandons) the sends in flight, gives back every
  // claim this worker still holds, and closes the mailer.
  stop(): Promise<void>;
  // One round: a batch of due emails, then the probe and the pruning when they are due.
  // Answers how many emails were handled.
  runOnce(): Promise<number>;
}

// One plain address: a recipient with a comma or a name in it could reach someone else.
const SINGLE_ADDRESS = /^[^\s@,;:<>()[\]"\\]+@[^\s@,;:<>()[\]"\\]+$/;

// Delay before the next attempt, after `attempts` failed ones: base, 2×base, 4×base … cap.
export function retryDelayMs(attempts: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, Math.min(attempts - 1, 30)));
}

// The same row always gets the same Message-ID, so a copy sent again after a crash between
// the server's "250" and our record of it can be recognised as the same message.
export function messageIdFor(email: Pick<ClaimedEmail, 'id' | 'idempotency_key'>, appUrl: string): string {
  const digest = crypto.createHash('sha256').update(email.idempotency_key).digest('hex').slice(0, 16);
  return `<outbox-${email.id}.${digest}@${new URL(appUrl).hostname.replace(/^\[|\]$/g, '')}>`;
}

export function createDeliveryWorker(deps: DeliveryWorkerDeps, options: Partial<DeliveryWorkerOptions> = {}): DeliveryWorker {
  const { db, mailer, config, logger } = deps;
  const o: DeliveryWorkerOptions = {
    ...DEFAULT_WORKER_OPTIONS,
    workerId: `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`,
    ...options,
  };
  const log = logger.child({ worker: o.workerId });
  const abandon = new AbortController();
  let stopping = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let lastProbe = Date.now();
  let lastPrune = 0;

  const claimSeconds = o.claimTtlMs / 1000;

  function claim(kind: ClaimKind, limit: number): Promise<ClaimedEmail[]> {
    return claimEmails(db, kind, { limit, claimSeconds, workerId: o.workerId });
  }

  async function recordSent(email: ClaimedEmail, rendered: RenderedEmail, messageId: string | null): Promise<void> {
    // Only the developer mailbox (no mailer) keeps what the email said.
    const recorded = await recordEmailSent(db, email.id, o.workerId, { messageId, keptForDeveloperMailbox: mailer ? undefined : rendered });
    if (!recorded) log.warn({ emailId: email.id }, 'email sent after its claim was lost');
  }

  async function recordFailure(email: ClaimedEmail, error: unknown, probe: boolean, lastError = describeSendError(error)): Promise<void> {
    const attempts = email.attempts + 1;
    let outcome: FailureOutcome;
    if (isPermanentRejection(error)) {
      outcome = { kind: 'failed', attempts };
      log.warn({ emailId: email.id, error: lastError }, 'email refused for good');
    } else if (probe) {
      outcome = { kind: 'probe' };
    } else if (attempts >= o.maxAttempts) {
      outcome = { kind: 'dead', attempts };
      log.error({ emailId: email.id, attempts, error: lastError }, 'email given up after its last attempt');
    } else {
      const retryInSeconds = retryDelayMs(attempts, o.backoffBaseMs, o.backoffCapMs) / 1000;
      outcome = { kind: 'retry', attempts, retryInSeconds };
      log.warn({ emailId: email.id, attempts, retryInSeconds, error: lastError }, 'email not delivered yet');
    }
    await recordEmailFailure(db, email.id, o.workerId, outcome, lastError);
  }

  // Answers whether the email went out (or, without a mailer, into the developer mailbox).
  async function deliver(email: ClaimedEmail, probe = false): Promise<boolean> {
    let rendered: RenderedEmail;
    try {
      rendered = await renderEmail(email.template, email.data ?? {}, config);
    } catch (error) {
      log.error({ err: error, emailId: email.id }, 'email could not be rendered');
      // EJS puts the template's lines before the reason; the reason is what helps.
      const reason = String((error as Error).message).trim().split('\n').pop();
      await recordFailure(email, error, probe, `Could not render the email: ${reason}`.slice(0, 500));
      return false;
    }
    if (!mailer) {
      await recordSent(email, rendered, null);
      return true;
    }
    if (!SINGLE_ADDRESS.test(email.recipient)) {
      const refusal = { permanent: true, command: 'RCPT TO', response: 'Not a single email address' };
      await recordFailure(email, refusal, probe);
      return false;
    }
    try {
      const signal = AbortSignal.any([abandon.signal, AbortSignal.timeout(o.sendTimeoutMs)]);
      const info = await mailer.send({ to: email.recipient, ...rendered, messageId: messageIdFor(email, config.appUrl) }, signal);
      await recordSent(email, rendered, info.messageId);
      return true;
    } catch (error) {
      // Stopping: nobody knows whether the server took it; give it back without counting.
      if (abandon.signal.aborted) {
        await releaseEmailClaims(db, o.workerId, [email.id]);
        return false;
      }
      await recordFailure(email, error, probe);
      return false;
    }
  }

  async function deliverDue(): Promise<number> {
    const batch = await claim('due', o.batchSize);
    await Promise.all(batch.map((email) => deliver(email)));
    return batch.length;
  }

  // When emails wait for a retry and nothing is due, try the one that failed longest ago.
  async function probe(): Promise<void> {
    if (!mailer || Date.now() - lastProbe < o.probeIntervalMs) return;
    lastProbe = Date.now();
    const [email] = await claim('waiting', 1);
    if (!email || !(await deliver(email, true))) return;
    const due = await makeWaitingEmailsDue(db);
    log.info({ emailId: email.id, nowDue: due }, 'mail server accepts mail again: retrying waiting emails now');
  }

  async function prune(): Promise<void> {
    if (Date.now() - lastPrune < o.pruneIntervalMs) return;
    lastPrune = Date.now();
    const removed = await pruneHits(db);
    if (removed) log.info({ removed }, 'pruned old rate-limit hits');
  }

  async function runOnce(): Promise<number> {
    const handled = await deliverDue();
    if (handled === 0 && !stopping) await probe();
    if (!stopping) await prune();
    return handled;
  }

  function pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });
  }

  async function run(): Promise<void> {
    while (!stopping) {
      let handled = 0;
      let failed = false;
      try {
        handled = await runOnce();
      } catch (error) {
        failed = true;
        log.error({ err: error }, 'email delivery round failed');
      }
      // A full batch means more may be due: go again at once. A failed round (the database
      // is away) waits longer, so the log is not flooded.
      if (!stopping && handled < o.batchSize) await pause(failed ? Math.max(o.pollIntervalMs, 5000) : o.pollIntervalMs);
    }
  }

  return {
    id: o.workerId,
    runOnce,
    start() {
      if (loop) return;
      log.info({ transport: mailer?.description ?? 'developer mailbox' }, 'email delivery worker started');
      loop = run();
    },
    async stop() {
      stopping = true;
      wake?.();
      if (loop) {
        let graceTimer: NodeJS.Timeout | undefined;
        const grace = new Promise<void>((resolve) => {
          graceTimer = setTimeout(resolve, o.stopGraceMs);
        });
        await Promise.race([loop, grace]);
        clearTimeout(graceTimer);
        abandon.abort();
        await loop;
      }
      try {
        await releaseEmailClaims(db, o.workerId);
      } catch (error) {
        log.warn({ err: error }, 'could not give back claims; they expire on their own');
      }
      mailer?.close();
      log.info('email delivery worker stopped');
    },
  };
}
