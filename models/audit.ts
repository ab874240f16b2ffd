import type { Knex } from 'knex';
import type { SessionUser } from '../lib/auth/passport.ts';

export interface AuditEntry {
  partnerId: number | null;
  customerAccountId?: number | null;
  action: string;
  address?: string | null;
  details?: Record<string, unknown>;
}

export type Actor =
  | { type: 'user'; user: SessionUser }
  | { type: 'client'; name: string }
  | { type: 'system'; name: string };

// Written in the caller's transaction, so an action and its record stand or fall together.
export async function recordAudit(db: Knex | Knex.Transaction, actor: Actor, entry: AuditEntry): Promise<void> {
  await recordAudits(db, actor, [entry]);
}

// Many entries by one actor (a bulk purchase's accounts): a multi-row insert per thousand.
export async function recordAudits(db: Knex | Knex.Transaction, actor: Actor, entries: AuditEntry[]): Promise<void> {
  const who =
    actor.type === 'user'
      ? { actor_type: actor.user.kind === 'partner' ? 'partner_user' : 'customer_user', actor_id: actor.user.id, actor_name: actor.user.name }
      : { actor_type: actor.type, actor_id: null, actor_name: actor.name };
  for (let start = 0; start < entries.length; start += 1000) {
    await db('audit_events').insert(
      entries.slice(start, start + 1000).map((entry) => ({
        ...who,
        partner_id: entry.partnerId,
        customer_account_id: entry.customerAccountId ?? null,
        action: entry.action,
        address: entry.address ?? null,
        details: JSON.stringify(entry.details ?? {}),
      })),
    );
  }
}
