// The per-partner check the worker's daily-batch jobs share (the not-backing-up alert, the
// expiry reminders): each partner has a row in the job's checks table, and each partner's
// check is one transaction holding that row FOR UPDATE SKIP LOCKED, so a second worker skips
// a partner being checked and finds it done afterwards.
import type { Knex } from 'knex';

export const utcDay = (now: Date) => now.toISOString().slice(0, 10);

export interface PartnerCheckCounts {
  partnersChecked: number;
  // Being checked by another worker: skipped this time.
  partnersBusy: number;
}

// Runs `check` for every partner, each in its own transaction on its locked row of `table`
// (rows are added for partners that have none yet).
export async function checkEachPartner<Row>(
  db: Knex,
  table: 'partner_alert_checks' | 'partner_expiry_checks',
  columns: string[],
  counts: PartnerCheckCounts,
  check: (trx: Knex.Transaction, partnerId: number, row: Row) => Promise<void>,
): Promise<void> {
  await db.raw(`INSERT INTO ?? (partner_id) SELECT id FROM partners p WHERE NOT EXISTS (SELECT 1 FROM ?? c WHERE c.partner_id = p.id) ON CONFLICT DO NOTHING`, [table, table]);
  const partnerIds: number[] = await db(table).orderBy('partner_id').pluck('partner_id');
  for (const partnerId of partnerIds) {
    await db.transaction(async (trx) => {
      const row = await trx(table).where({ partner_id: partnerId }).forUpdate().skipLocked().first(columns);
      if (!row) {
        counts.partnersBusy += 1;
        return;
      }
      counts.partnersChecked += 1;
      await check(trx, partnerId, row as Row);
    });
  }
}

// The partner users an email choice (Settings, email choices) sends to: opted in, not deactivated.
export function partnerUsersWanting(trx: Knex.Transaction, partnerId: number, choice: 'email_alerts' | 'email_expiry_reminders'): Promise<{ id: number; name: string; email: string }[]> {
  return trx('partner_users').where({ partner_id: partnerId, [choice]: true, deactivated_at: null }).orderBy('id').select('id', 'name', 'email');
}
