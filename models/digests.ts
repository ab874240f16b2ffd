// The weekly digest: each partner user who opted in (the owner unless they opted out) gets the
// Overview's numbers and the accounts needing attention once per ISO week, through the outbox.
// A row in weekly_digests per user and week is taken in the same transaction as the email is
// queued: two workers, a rerun or `npm run send-digest` never queue a second one.
import type { Knex } from 'knex';
import type { SessionUser } from '../lib/auth/passport.ts';
import { HEALTH_LABELS } from './accounts/health.ts';
import { clockAt } from './accounts/statuses.ts';
import { recordAudit } from './audit.ts';
import { enqueueEmail } from './outbox.ts';
import { computeOverview, countUndeliveredMail, type Overview } from './overview.ts';

// "2026-W49": the ISO 8601 week (weeks start on Monday; week 1 holds the year's first Thursday), in UTC.
export function isoWeek(date: Date): string {
  const day = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const weekday = day.getUTCDay() || 7;
  day.setUTCDate(day.getUTCDate() + 4 - weekday); // the Thursday of this week decides its year
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((day.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${day.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

// NULL is the default: on for the owner, off for everyone else.
const OPTED_IN = `COALESCE(u.weekly_digest, u.role = 'owner')`;

export async function findWeeklyDigestChoice(db: Knex, user: SessionUser): Promise<boolean> {
  const row = await db('partner_users as u').where({ 'u.id': user.id, 'u.partner_id': user.partnerId }).first(db.raw(`${OPTED_IN} AS on`));
  return Boolean(row?.on);
}

export async function setWeeklyDigestChoice(db: Knex, user: SessionUser, on: boolean, address?: string): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('partner_users').where({ id: user.id, partner_id: user.partnerId }).update({ weekly_digest: on });
    await recordAudit(trx, { type: 'user', user }, { partnerId: user.partnerId, action: 'partner.weekly_digest_changed', address, details: { weeklyDigest: on } });
  });
}

interface Recipient {
  id: number;
  partner_id: number;
  name: string;
  email: string;
  role: string;
  partner_name: string;
}

export interface DigestRun {
  week: string;
  queued: number;
  nothingToReport: number;
  // Taken by another worker or an earlier run meanwhile.
  alreadyDone: number;
}

interface DigestContext {
  appUrl: string;
}

// The figures the email lists, with links into the Portal (absolute: it is an email).
function digestData(overview: Overview, undeliveredMail: number | undefined, links: Record<string, string>, appUrl: string) {
  const url = (path: string) => new URL(path, appUrl).toString();
  const figures = [
    { label: 'Not backing up', count: overview.health.not_backing_up, url: url(links.notBackingUp), hint: `no backup for ${overview.thresholds.notBackingUpDays} days or more` },
    { label: 'Overdue', count: overview.health.overdue, url: url(links.overdue), hint: `no backup for ${overview.thresholds.overdueDays} days or more` },
    { label: 'Waiting for first backup', count: overview.health.waiting, url: url(links.waiting), hint: 'activated more than a day ago, never backed up' },
    { label: 'Expiring within 30 days', count: overview.expiringSoon, url: url(links.expiring), hint: 'subscriptions ending soon, auto-renew off' },
    { label: 'Trials ending within 7 days', count: overview.trialsEnding, url: url(links.trialsEnding), hint: 'free trials to upgrade to paid' },
    { label: 'Registration pending for more than 7 days', count: overview.pendingLong, url: url(links.pendingLong), hint: 'customers who have not registered' },
    { label: 'Registration link expired', count: overview.linkExpired, url: url(links.linkExpired), hint: 'links to resend' },
  ];
  if (undeliveredMail !== undefined) figures.push({ label: 'Undelivered mail', count: undeliveredMail, url: url(links.undeliveredMail), hint: 'emails not delivered' });
  const attention = overview.attention.map((a) => ({
    name: a.name,
    healthLabel: HEALTH_LABELS[a.health],
    since: a.since.toISOString(),
    sinceWhat: a.health === 'waiting' ? 'activated' : 'last backup',
    url: url(links.account.replace(':accountId', String(a.id))),
  }));
  return { figures, attention, nothing: figures.every((f) => f.count === 0) };
}

export interface DigestLinks {
  overview: string;
  notBackingUp: string;
  overdue: string;
  waiting: string;
  expiring: string;
  trialsEnding: string;
  pendingLong: string;
  linkExpired: string;
  undeliveredMail: string;
  // With ':accountId' where the account's id goes.
  account: string;
}

// Queues this week's digest for every opted-in partner user who has none yet. A user with
// nothing to report gets no email, and the week is still marked done for them. Each partner's
// figures are counted once, at `now`.
export async function queueWeeklyDigests(db: Knex, context: DigestContext, links: DigestLinks, now = new Date()): Promise<DigestRun> {
  const week = isoWeek(now);
  const clock = clockAt(now);
  const run: DigestRun = { week, queued: 0, nothingToReport: 0, alreadyDone: 0 };
  const recipients: Recipient[] = await db('partner_users as u')
    .join('partners as p', 'p.id', 'u.partner_id')
    .whereRaw(OPTED_IN)
    // A deactivated user (Team) gets nothing.
    .whereNull('u.deactivated_at')
    .whereNotExists((q) => q.select(db.raw('1')).from('weekly_digests as d').whereRaw('d.partner_user_id = u.id').where('d.iso_week', week))
    .orderBy(['u.partner_id', 'u.id'])
    .select('u.id', 'u.partner_id', 'u.name', 'u.email', 'u.role', 'p.name as partner_name');

  let partnerId: number | undefined;
  let overview: Overview | undefined;
  for (const user of recipients) {
    if (user.partner_id !== partnerId) {
      partnerId = user.partner_id;
      overview = await computeOverview(db, user.partner_id, clock);
    }
    const undelivered = user.role === 'owner' ? await countUndeliveredMail(db, user.partner_id) : undefined;
    const data = digestData(overview!, undelivered, links as unknown as Record<string, string>, context.appUrl);
    await db.transaction(async (trx) => {
      // Waits for another worker's uncommitted row for the same user and week, then finds it.
      const taken = await trx('weekly_digests')
        .insert({ partner_user_id: user.id, iso_week: week, partner_id: user.partner_id, outcome: data.nothing ? 'nothing_to_report' : 'queued' })
        .onConflict(['partner_user_id', 'iso_week'])
        .ignore()
        .returning('partner_user_id');
      if (taken.length === 0) {
        run.alreadyDone += 1;
        return;
      }
      if (data.nothing) {
        run.nothingToReport += 1;
        return;
      }
      await enqueueEmail(trx, {
        to: user.email,
        template: 'weekly-digest',
        partnerId: user.partner_id,
        idempotencyKey: `weekly-digest:${user.id}:${week}`,
        data: {
          name: user.name,
          partnerName: user.partner_name,
          week,
          figures: data.figures,
          attention: data.attention,
          overviewUrl: new URL(links.overview, context.appUrl).toString(),
        },
      });
      run.queued += 1;
    });
  }
  return run;
}
