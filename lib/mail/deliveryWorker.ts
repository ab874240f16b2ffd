import crypto from 'node:crypto';
import os from 'node:os';
import type { Knex } from 'knex';
import type { Config } from '../boot/config.ts';
import type { Logger } from '../boot/logger.ts';
import { renderEmail, type RenderedEmail } from './templates.ts';
import { describeSendError, isPermanentRejection, type Mailer } from './transport.ts';
import { pruneHits } from '../../models/rateLimits.ts';

// Delivers the outbox. Each round claims a few due rows (FOR UPDATE SKIP LOCKED, then a
// claim with an expiry, so two workers never hold one row and a crashed worker's rows come
// back), renders them, sends them, and records the outcome on the row:
// - sent: sent_at and the SMTP message id;
// - a 4xx, a dropped connection or anything else that may pass later: still pending, with
//   the error and the next attempt after an exponential backoff; after maxAttempts, dead;
// - a 5xx refusal of the recipient or the message: failed, never tried again.
// Without a mailer (no SMTP_URL, development) a row is rendered, kept for the developer
// mailbox and marked sent with no SMTP message id.

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

interface ClaimedEmail {
  id: number;
  idempotency_key: string;
  recipient: string;
  template: string;
  data: Record<string, unknown>;
  attempts: number;
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

  // Claims up to `limit` rows matching `where`, in one statement: rows another worker holds
  // are skipped, and a row's claim is re-checked on its newest version, so it is taken once.
  async function claim(where: string, limit: number): Promise<ClaimedEmail[]> {
    const { rows } = await db.raw<{ rows: ClaimedEmail[] }>(
      `WITH due AS (
         SELECT id FROM outbox_emails
          WHERE status = 'pending' AND (claimed_until IS NULL OR claimed_until < now()) AND ${where}
          ORDER BY next_attempt_at, id
          LIMIT ?
          FOR UPDATE SKIP LOCKED
       )
       UPDATE outbox_emails e
          SET claimed_until = now() + make_interval(secs => ?), claimed_by = ?
         FROM due
        WHERE e.id = due.id
       RETURNING e.id, e.idempotency_key, e.recipient, e.template, e.data, e.attempts`,
      [limit, claimSeconds, o.workerId],
    );
    return rows;
  }

  // Every outcome is written only while this worker still holds the claim.
  function ours(id: number) {
    return db('outbox_emails').where({ id, claimed_by: o.workerId, status: 'pending' });
  }

  const released = { claimed_until: null, claimed_by: null };

  async function recordSent(email: ClaimedEmail, rendered: RenderedEmail, messageId: string | null): Promise<void> {
    const updated = await ours(email.id).update({
      ...rendered,
      ...released,
      status: 'sent',
      sent_at: db.fn.now(),
      smtp_message_id: messageId,
      attempts: db.raw('attempts + 1'),
    });
    if (!updated) log.warn({ emailId: email.id }, 'email sent after its claim was lost');
  }

  async function recordFailure(email: ClaimedEmail, rendered: RenderedEmail | undefined, error: unknown, probe: boolean, lastError = describeSendError(error)): Promise<void> {
    const attempts = email.attempts + 1;
    let outcome: Record<string, unknown>;
    if (isPermanentRejection(error)) {
      outcome = { status: 'failed', attempts };
      log.warn({ emailId: email.id, error: lastError }, 'email refused for good');
    } else if (probe) {
      // A probe that fails changes nothing but the error: the row keeps its own schedule.
      outcome = {};
    } else if (attempts >= o.maxAttempts) {
      outcome = { status: 'dead', attempts };
      log.error({ emailId: email.id, attempts, error: lastError }, 'email given up after its last attempt');
    } else {
      const delaySeconds = retryDelayMs(attempts, o.backoffBaseMs, o.backoffCapMs) / 1000;
      outcome = { attempts, next_attempt_at: db.raw('now() + make_interval(secs => ?)', [delaySeconds]) };
      log.warn({ emailId: email.id, attempts, retryInSeconds: delaySeconds, error: lastError }, 'email not delivered yet');
    }
    await ours(email.id).update({ ...(rendered ?? {}), ...outcome, ...released, last_error: lastError });
  }

  async function release(ids: number[]): Promise<void> {
    if (ids.length) await db('outbox_emails').whereIn('id', ids).andWhere({ claimed_by: o.workerId }).update(released);
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
      await recordFailure(email, undefined, error, probe, `Could not render the email: ${reason}`.slice(0, 500));
      return false;
    }
    if (!mailer) {
      await recordSent(email, rendered, null);
      return true;
    }
    if (!SINGLE_ADDRESS.test(email.recipient)) {
      const refusal = { permanent: true, command: 'RCPT TO', response: 'Not a single email address' };
      await recordFailure(email, rendered, refusal, probe);
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
        await release([email.id]);
        return false;
      }
      await recordFailure(email, rendered, error, probe);
      return false;
    }
  }

  async function deliverDue(): Promise<number> {
    const batch = await claim('next_attempt_at <= now()', o.batchSize);
    await Promise.all(batch.map((email) => deliver(email)));
    return batch.length;
  }

  // When emails wait for a retry and nothing is due, try the one that failed longest ago.
  async function probe(): Promise<void> {
    if (!mailer || Date.now() - lastProbe < o.probeIntervalMs) return;
    lastProbe = Date.now();
    const [email] = await claim('attempts > 0 AND next_attempt_at > now()', 1);
    if (!email || !(await deliver(email, true))) return;
    const due = await db('outbox_emails')
      .where({ status: 'pending' })
      .andWhere('attempts', '>', 0)
      .andWhere('next_attempt_at', '>', db.fn.now())
      .update({ next_attempt_at: db.fn.now() });
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
        const ids = await db('outbox_emails').where({ status: 'pending', claimed_by: o.workerId }).pluck('id');
        await release(ids);
      } catch (error) {
        log.warn({ err: error }, 'could not give back claims; they expire on their own');
      }
      mailer?.close();
      log.info('email delivery worker stopped');
    },
  };
}
