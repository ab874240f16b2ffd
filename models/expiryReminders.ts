// Expiry reminders, sent by the renewal job after its renewals: a subscription without
// auto-renew that comes within 30 days, then within 7 days, of its end, and a trial that comes
// within 3 days of its end, is recorded once per threshold and term (expiry_reminders, keyed by
// the subscription, the threshold and ends_on), and once a UTC day per partner the reminders
// waiting are emailed to each partner user who has Expiry reminders on.
//
// Thresholds are whole days (ends_on is a date), so a check reads only what came within a
// threshold since the partner's last check: for each threshold, the range of
// customer_accounts (partner_id, ends_on) between the last checked day's edge and today's. A
// subscription can also come into a window other than by time (auto-renew turned off, a trial
// flag, an existing customer added): only then has the partner's accounts_version moved, and
// only then does the check read each threshold's whole window, which records what is new in it.
// A subscription seen for the first time already within 7 days gets the 7-day reminder alone.
// Each partner's check and email is one transaction on its partner_expiry_checks row, taken FOR
// UPDATE SKIP LOCKED; the email's key (per user and day) is unique in the outbox as well.
import type { Knex } from 'knex';
import { enqueueEmail } from './outbox.ts';
import { checkEachPartner, partnerUsersWanting, utcDay, type PartnerCheckCounts } from './partnerChecks.ts';

// An email lists at most this many subscriptions; the rest are behind the link to the filtered list.
export const REMINDER_LIST_LIMIT = 50;

export type ReminderThreshold = 'days_30' | 'days_7' | 'trial_3';

interface ThresholdRule {
  id: ReminderThreshold;
  days: number;
  // Ends after today + this many days (a subscription already within the next threshold gets that one instead).
  endsAfter: number;
  // Which subscriptions it is for, over customer_accounts `a` (the trigger copies these from the subscription).
  which: string;
  heading: string;
}

// In the order the email lists them.
const THRESHOLDS: readonly ThresholdRule[] = [
  { id: 'trial_3', days: 3, endsAfter: -1, which: 'a.trial', heading: 'Trials ending within 3 days' },
  { id: 'days_7', days: 7, endsAfter: -1, which: 'NOT a.trial AND NOT a.auto_renew', heading: 'Ending within 7 days' },
  { id: 'days_30', days: 30, endsAfter: 7, which: 'NOT a.trial AND NOT a.auto_renew', heading: 'Ending within 30 days' },
];

export interface ExpiryReminderLinks {
  // The Accounts list filtered to Expiring within 30 days (trials are not in it).
  expiring: string;
  // The Accounts list filtered to Trials ending within 7 days.
  trialsEnding: string;
  // With ':accountId' where the account's id goes.
  account: string;
}

export interface ExpiryReminderRun extends PartnerCheckCounts {
  day: string;
  reminders: number;
  emailsQueued: number;
}

interface ExpiryCheck {
  checked_on: string | null;
  accounts_version: number | null;
  last_batch_day: string | null;
}

// Records what came within each threshold: ends_on in (max(since + days, today + endsAfter),
// today + days], since being the last checked day, or nothing (the whole window) when the
// check must look again at every subscription in it.
async function recordCrossings(trx: Knex.Transaction, partnerId: number, today: string, since: string | null, now: Date): Promise<number> {
  let recorded = 0;
  for (const rule of THRESHOLDS) {
    const { rows } = await trx.raw(
      `INSERT INTO expiry_reminders (subscription_id, threshold, ends_on, customer_account_id, partner_id, found_at)
       SELECT s.id, ?, a.ends_on, a.id, a.partner_id, ?::timestamptz
         FROM customer_accounts a JOIN subscriptions s ON s.customer_account_id = a.id
        WHERE a.partner_id = ?
          AND a.ends_on > greatest(?::date + ?::int, ?::date + ?::int) AND a.ends_on <= ?::date + ?::int
          AND ${rule.which}
       ON CONFLICT DO NOTHING
       RETURNING subscription_id`,
      [rule.id, now, partnerId, today, rule.endsAfter, since, rule.days, today, rule.days],
    );
    recorded += rows.length;
  }
  return recorded;
}

interface WaitingReminder {
  id: number;
  name: string;
  threshold: ReminderThreshold;
  ends_on: string;
}

async function checkPartner(trx: Knex.Transaction, partnerId: number, check: ExpiryCheck, context: { appUrl: string }, links: ExpiryReminderLinks, now: Date, run: ExpiryReminderRun): Promise<void> {
  const today = utcDay(now);
  const partner = await trx('partners').where({ id: partnerId }).first('name', 'accounts_version');
  if (!partner) return;

  const accountsChanged = check.accounts_version === null || Number(partner.accounts_version) !== Number(check.accounts_version);
  if (accountsChanged || !check.checked_on || check.checked_on < today) {
    run.reminders += await recordCrossings(trx, partnerId, today, accountsChanged ? null : check.checked_on, now);
    await trx('partner_expiry_checks').where({ partner_id: partnerId }).update({ checked_on: today, accounts_version: partner.accounts_version });
  }

  // One email a UTC day: the reminders waiting, those still true listed (still this term, still
  // the partner's, not ended, auto-renew still off or still a trial). Reminders found after the
  // day's email wait for tomorrow's.
  if (check.last_batch_day && check.last_batch_day >= today) return;
  const waiting: WaitingReminder[] = await trx('expiry_reminders as r')
    .join('customer_accounts as a', function () {
      this.on('a.id', 'r.customer_account_id').andOn('a.partner_id', 'r.partner_id').andOn('a.ends_on', 'r.ends_on');
    })
    .where('r.partner_id', partnerId)
    .whereNull('r.batch_day')
    .where('a.ends_on', '>=', today)
    .whereRaw(`CASE WHEN r.threshold = 'trial_3' THEN a.trial ELSE NOT a.trial AND NOT a.auto_renew END`)
    .orderBy([{ column: 'r.ends_on' }, { column: 'a.id' }])
    .select('a.id', 'a.name', 'r.threshold', 'r.ends_on');
  // Reminders no longer true by now (renewed, auto-renew turned on, released) are settled without an email.
  await trx('expiry_reminders').where({ partner_id: partnerId }).whereNull('batch_day').update({ batch_day: today });
  if (waiting.length === 0) return;
  await trx('partner_expiry_checks').where({ partner_id: partnerId }).update({ last_batch_day: today });

  const url = (path: string) => new URL(path, context.appUrl).toString();
  const listed = waiting.slice(0, REMINDER_LIST_LIMIT);
  const groups = THRESHOLDS.map((rule) => ({
    heading: rule.heading,
    trial: rule.id === 'trial_3',
    subscriptions: listed
      .filter((r) => r.threshold === rule.id)
      .map((r) => ({ name: r.name, endsOn: r.ends_on, url: url(links.account.replace(':accountId', String(r.id))) })),
  })).filter((group) => group.subscriptions.length > 0);
  for (const user of await partnerUsersWanting(trx, partnerId, 'email_expiry_reminders')) {
    await enqueueEmail(trx, {
      to: user.email,
      template: 'expiry-reminder',
      partnerId,
      idempotencyKey: `expiry-reminder:${user.id}:${today}`,
      data: { name: user.name, partnerName: partner.name, count: waiting.length, groups, expiringUrl: url(links.expiring), trialsEndingUrl: url(links.trialsEnding) },
    });
    run.emailsQueued += 1;
  }
}

// One check of every partner, at `now` (the renewal job calls it after each pass's renewals).
export async function sendExpiryReminders(db: Knex, context: { appUrl: string }, links: ExpiryReminderLinks, now = new Date()): Promise<ExpiryReminderRun> {
  const run: ExpiryReminderRun = { day: utcDay(now), partnersChecked: 0, partnersBusy: 0, reminders: 0, emailsQueued: 0 };
  await checkEachPartner<ExpiryCheck>(db, 'partner_expiry_checks', ['checked_on', 'accounts_version', 'last_batch_day'], run, (trx, partnerId, check) =>
    checkPartner(trx, partnerId, check, context, links, now, run),
  );
  return run;
}
