// The not-backing-up alert: when an account's oldest last backup passes its partner's
// not-backing-up moment (now - partners.not_backing_up_days), the crossing is recorded once
// (not_backing_up_alerts, keyed by the account and that oldest_backup_at), and once a UTC day
// per partner the crossings waiting are emailed to each partner user who has the alerts on.
//
// A check reads only what crossed since the partner's last check: the range of
// customer_accounts_partner_oldest_backup_idx between the previous moment and this one (the
// first check of a partner takes every account already past it). Each partner's check and
// batch is one transaction on its partner_alert_checks row, taken FOR UPDATE SKIP LOCKED: a
// second worker skips a partner being checked, and finds it done afterwards; the email's key
// (per user and day) is unique in the outbox as well.
import type { Knex } from 'knex';
import { enqueueEmail } from './outbox.ts';
import { checkEachPartner, partnerUsersWanting, utcDay, type PartnerCheckCounts } from './partnerChecks.ts';

const DAY_MS = 86_400_000;

// An email lists at most this many accounts; the rest are behind the link to the filtered list.
export const ALERT_LIST_LIMIT = 50;

export interface AlertLinks {
  notBackingUp: string;
  // With ':accountId' where the account's id goes.
  account: string;
}

export interface AlertRun extends PartnerCheckCounts {
  day: string;
  crossings: number;
  emailsQueued: number;
}

interface AlertCheck {
  checked_until: Date | null;
  last_batch_day: string | null;
}

async function checkPartner(trx: Knex.Transaction, partnerId: number, check: AlertCheck, context: { appUrl: string }, links: AlertLinks, now: Date, run: AlertRun): Promise<void> {
  const day = utcDay(now);
  const partner = await trx('partners').where({ id: partnerId }).first('name', 'not_backing_up_days');
  if (!partner) return;
  const moment = new Date(now.getTime() - partner.not_backing_up_days * DAY_MS);
  const from: Date | null = check.checked_until;

  // What crossed since the last check (everything past the moment, the first time).
  if (!from || from < moment) {
    const { rows: inserted } = await trx.raw(
      `INSERT INTO not_backing_up_alerts (customer_account_id, oldest_backup_at, partner_id, found_at)
       SELECT a.id, a.oldest_backup_at, a.partner_id, ?::timestamptz FROM customer_accounts a
        WHERE a.partner_id = ? AND a.oldest_backup_at <= ?::timestamptz${from ? ' AND a.oldest_backup_at > ?::timestamptz' : ''}
       ON CONFLICT (customer_account_id, oldest_backup_at) DO NOTHING
       RETURNING customer_account_id`,
      [now, partnerId, moment, ...(from ? [from] : [])],
    );
    run.crossings += inserted.length;
    await trx('partner_alert_checks').where({ partner_id: partnerId }).update({ checked_until: moment });
  }

  // One batch a UTC day: the crossings waiting, those still in that crossing listed.
  if (check.last_batch_day && check.last_batch_day >= day) return;
  const waiting = await trx('not_backing_up_alerts as n')
    .join('customer_accounts as a', function () {
      this.on('a.id', 'n.customer_account_id').andOn('a.partner_id', 'n.partner_id').andOn('a.oldest_backup_at', 'n.oldest_backup_at');
    })
    .where('n.partner_id', partnerId)
    .whereNull('n.batch_day')
    .orderBy([{ column: 'n.oldest_backup_at' }, { column: 'a.id' }])
    .select('a.id', 'a.name', 'n.oldest_backup_at');
  // Crossings that ended before their batch (a backup came) are settled without an email.
  await trx('not_backing_up_alerts').where({ partner_id: partnerId }).whereNull('batch_day').update({ batch_day: day });
  if (waiting.length === 0) return;
  await trx('partner_alert_checks').where({ partner_id: partnerId }).update({ last_batch_day: day });

  const url = (path: string) => new URL(path, context.appUrl).toString();
  const accounts = waiting.slice(0, ALERT_LIST_LIMIT).map((a) => ({
    name: a.name,
    lastBackupAt: new Date(a.oldest_backup_at).toISOString(),
    url: url(links.account.replace(':accountId', String(a.id))),
  }));
  const users = await partnerUsersWanting(trx, partnerId, 'email_alerts');
  for (const user of users) {
    await enqueueEmail(trx, {
      to: user.email,
      template: 'not-backing-up-alert',
      partnerId,
      idempotencyKey: `not-backing-up-alert:${user.id}:${day}`,
      data: {
        name: user.name,
        partnerName: partner.name,
        days: partner.not_backing_up_days,
        count: waiting.length,
        accounts,
        notBackingUpUrl: url(links.notBackingUp),
      },
    });
    run.emailsQueued += 1;
  }
}

// One check of every partner, at `now` (the job calls it at start-up and every ALERT_CHECK_SECONDS).
export async function checkNotBackingUpAlerts(db: Knex, context: { appUrl: string }, links: AlertLinks, now = new Date()): Promise<AlertRun> {
  const run: AlertRun = { day: utcDay(now), partnersChecked: 0, partnersBusy: 0, crossings: 0, emailsQueued: 0 };
  await checkEachPartner<AlertCheck>(db, 'partner_alert_checks', ['checked_until', 'last_batch_day'], run, (trx, partnerId, check) => checkPartner(trx, partnerId, check, context, links, now, run));
  return run;
}
