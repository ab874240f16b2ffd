import crypto from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../boot/logger.ts';

// Sessions live in PostgreSQL, and reading one cost every signed-in page a round trip of
// its own before the page's query could start. This keeps the sessions this instance has
// read or written in memory, and serves one from memory only when it cannot be out of date:
//
// - Changed somewhere: every save of a changed session gives it a new revision, sent to the
//   browser in a cookie beside the session's (lib/session/session.ts). A copy is used only for the
//   revision the browser presents, so a browser always reads what its last answer wrote,
//   whichever instance wrote it.
// - Ended somewhere (signed out, timed out, a password changed, an expired row pruned): the
//   database says so to every instance at once (LISTEN/NOTIFY, migration 0600), and the copy
//   goes. Updates are announced too, with a digest of what was written, so a copy of
//   anything else goes (a session changed after its answer was sent, or in the database
//   by hand).
// - Not listening (the connection is lost, or not yet made): nothing is kept or served from
//   memory until it listens again, since what it missed meanwhile is unknown.

export const SESSION_CHANGES_CHANNEL = 'session_changed';

const MAX_ENTRIES = 5000;
// However well notifications flow, a copy is read afresh at least this often.
const MAX_AGE_MS = 5 * 60_000;
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 15_000;

interface Entry {
  revision: string;
  json: string;
  digest: string;
  storedAt: number;
}

// As migration 0600 announces a write: md5 of the stored JSON text (the store writes the
// text it is given, and a json column keeps it as written).
function digestOf(json: string): string {
  return crypto.createHash('md5').update(json).digest('hex');
}

export function newRevision(): string {
  return crypto.randomBytes(12).toString('base64url');
}

// A read or write of one session under way, whose result may be kept when it ends.
export interface Ticket {
  sid: string;
  generation: number;
}

// What the database announced of a session while a read or write of it was under way: the
// digest of what was written, or null (deleted).
interface InFlight {
  count: number;
  announced?: string | null;
}

export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, InFlight>();
  // Moves whenever the listener is lost: a read or write that began before may have missed
  // an announcement, and is not kept.
  private generation = 0;
  private client: pg.Client | undefined;
  private listening = false;
  private stopped = false;
  private retryMs = RECONNECT_MIN_MS;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly databaseUrl: string,
    private readonly logger: Logger,
  ) {}

  get isListening(): boolean {
    return this.listening;
  }

  // Starts listening; resolves once listening or after the first failed attempt (it keeps
  // trying in the background: until then sessions are simply read from the database).
  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.goDeaf();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  // Taken before a session is read from or written to the database; `finish` keeps the
  // result only if the database announced nothing else of that session meanwhile.
  begin(sid: string): Ticket {
    const inFlight = this.inFlight.get(sid);
    if (inFlight) inFlight.count += 1;
    else this.inFlight.set(sid, { count: 1 });
    return { sid, generation: this.generation };
  }

  // `stored`: the session as the database now holds it (its JSON text and revision), or
  // undefined when the read or write failed or found nothing.
  finish(ticket: Ticket, stored: { json: string; rev: unknown } | undefined): void {
    const { sid } = ticket;
    const inFlight = this.inFlight.get(sid);
    if (!inFlight) return;
    inFlight.count -= 1;
    if (inFlight.count === 0) this.inFlight.delete(sid);
    if (!stored || typeof stored.rev !== 'string') return;
    if (!this.listening || ticket.generation !== this.generation) return;
    const digest = digestOf(stored.json);
    if (inFlight.announced !== undefined && inFlight.announced !== digest) return;
    this.entries.delete(sid);
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(sid, { revision: stored.rev, json: stored.json, digest, storedAt: Date.now() });
  }

  // The session's JSON text, when this instance holds it at the revision the browser presented.
  get(sid: string, revision: string | undefined): string | undefined {
    if (!revision || !this.listening) return undefined;
    const entry = this.entries.get(sid);
    if (!entry || entry.revision !== revision) return undefined;
    if (Date.now() - entry.storedAt > MAX_AGE_MS) {
      this.entries.delete(sid);
      return undefined;
    }
    return entry.json;
  }

  // The database announced that a session was written (the digest of what it holds now), or
  // deleted (null).
  announced(sid: string, digest: string | null): void {
    const entry = this.entries.get(sid);
    if (entry && (digest === null || entry.digest !== digest)) this.entries.delete(sid);
    const inFlight = this.inFlight.get(sid);
    if (inFlight) inFlight.announced = digest;
  }

  forget(sid: string): void {
    this.entries.delete(sid);
  }

  clear(): void {
    this.generation += 1;
    this.entries.clear();
  }

  holds(sid: string): boolean {
    return this.entries.has(sid);
  }

  get size(): number {
    return this.entries.size;
  }

  private goDeaf(): void {
    this.listening = false;
    this.clear();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.databaseUrl, application_name: 'partner-portal sessions', connectionTimeoutMillis: 5000 });
    this.client = client;
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost || this.stopped) return;
      lost = true;
      if (this.listening) this.logger.warn({ err: error }, 'session cache stopped listening; sessions are read from the database');
      this.goDeaf();
      client.end().catch(() => undefined);
      this.scheduleReconnect();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    // "<sid> <digest>", the digest empty for a deleted session (migration 0600).
    client.on('notification', (message) => {
      if (message.channel !== SESSION_CHANGES_CHANNEL || !message.payload) return;
      const [sid, digest] = message.payload.split(' ');
      this.announced(sid, digest || null);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${SESSION_CHANGES_CHANNEL}`);
    } catch (error) {
      onLost(error as Error);
      return;
    }
    if (lost || this.stopped) return;
    this.clear();
    this.listening = true;
    if (this.retryMs > RECONNECT_MIN_MS) this.logger.info('session cache listening again');
    this.retryMs = RECONNECT_MIN_MS;
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, RECONNECT_MAX_MS);
  }
}
