// Automatic renewal: Enable auto-renew / Disable auto-renew on an account, and the renewal
// job's pass (lib/jobs/renewalJob.ts runs it in the delivery worker's process).
//
// Exactly one renewal per subscription per term, whatever runs it: each pass claims due
// subscriptions with FOR UPDATE SKIP LOCKED (a second worker takes other rows, or none), the
// order key "auto-renew:<subscription>:<end of the term>" is unique (a rerun, or a worker
// that read the row before another renewed it, finds the order and does nothing), and the
// renewal moves the end date out of the window in the same transaction (a crash rolls all
// of it back, so the next pass renews it once).
import type { Knex } from 'knex';
import type { SessionUser } from '../lib/auth/passport.ts';
import type { Config } from '../lib/boot/config.ts';
import { paths } from '../lib/paths.ts';
import { recordAudit } from './audit.ts';
import { enqueueEmail } from './outbox.ts';
import { PlanRetiredError, renewInTransaction } from './renewals.ts';
import type { OrderConfig } from './orders.ts';
import type { Clock } from './accounts/statuses.ts';
import { findSubscriptionOfAccount } from './subscriptionChanges.ts';

export const AUTO_RENEWAL_ACTOR = 'Automatic renewal';

export type AutoRenewChange = 'enabled' | 'disabled' | 'unchanged' | 'ended' | 'trial';

// Turns automatic renewal on or off for one of the partner's accounts (another partner's is a
// 404). A subscription that has ended is renewed by hand (Renew), not enrolled.
export async function setAutoRenew(
  db: Knex,
  user: SessionUser,
  accountId: number,
  enabled: boolean,
  context: { address?: string; clock: Clock },
): Promise<AutoRenewChange> {
  return db.transaction(async (trx) => {
    const row = await findSubscriptionOfAccount(trx, { partnerId: user.partnerId, accountId, lock: true }, ['s.id', 's.auto_renew', 's.ends_on', 's.trial']);
    if (row.auto_renew === enabled) return 'unchanged';
    if (enabled && row.ends_on < context.clock.today) return 'ended';
    // A trial is upgraded to a paid subscription, never renewed.
    if (enabled && row.trial) return 'trial';
    await trx('subscriptions').where({ id: row.id }).update({ auto_renew: enabled });
    await recordAudit(trx, { type: 'user', user }, {
      partnerId: user.partnerId,
      customerAccountId: accountId,
      action: enabled ? 'auto_renew.enabled' : 'auto_renew.disabled',
      address: context.address,
    });
    return enabled ? 'enabled' : 'disabled';
  });
}

export type AutoRenewalConfig = OrderConfig & Pick<Config, 'autoRenewDaysBefore'>;

export interface AutoRenewalRun {
  renewed: number;
  // Not renewed because the plan is retired: the partner was told.
  refused: number;
  // Failed for another reason (logged); tried again on the next pass.
  failed: number;
}

const DAY_MS = 86_400_000;
const addDays = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

interface DueSubscription {
  id: number;
  customer_account_id: number;
  partner_id: number;
  term_years: number;
  ends_on: string;
}

// The due subscriptions this pass may take: enrolled, not ended, ending within the window,
// not already refused for this term; rows another worker holds are skipped.
function claimDue(trx: Knex.Transaction, clock: Clock, daysBefore: number, limit: number, skip: number[]): Promise<DueSubscription[]> {
  const query = trx('subscriptions')
    .where('auto_renew', true)
    .whereBetween('ends_on', [clock.today, addDays(clock.today, daysBefore)])
    .whereRaw('auto_renew_refused_for IS DISTINCT FROM ends_on')
    .orderBy(['ends_on', 'id'])
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .select('id', 'customer_account_id', 'partner_id', 'term_years', 'ends_on');
  if (skip.length) query.whereNotIn('id', skip);
  return query;
}

// The partner is told once per term that a retired plan stopped an automatic renewal: an
// Activity entry, the mark that keeps the job from trying this term again, and an email to
// the partner's owners and administrators.
async function refuseRetired(trx: Knex.Transaction, due: DueSubscription, reason: string, config: AutoRenewalConfig): Promise<void> {
  await trx('subscriptions').where({ id: due.id }).update({ auto_renew_refused_for: due.ends_on });
  const account = await trx('customer_accounts as a')
    .join('subscriptions as s', 's.customer_account_id', 'a.id')
    .join('plans as pl', 'pl.id', 's.plan_id')
    .join('products as pr', 'pr.id', 's.product_id')
    .where('a.id', due.customer_account_id)
    .first('a.name', 'pl.name as plan_name', 'pr.name as product_name');
  await recordAudit(trx, { type: 'system', name: AUTO_RENEWAL_ACTOR }, {
    partnerId: due.partner_id,
    customerAccountId: due.customer_account_id,
    action: 'auto_renew.refused',
    details: { reason, endsOn: due.ends_on, plan: account.plan_name },
  });
  const recipients = await trx('partner_users').where({ partner_id: due.partner_id }).whereIn('role', ['owner', 'admin']).orderBy('id').select('id', 'email');
  for (const recipient of recipients) {
    await enqueueEmail(trx, {
      to: recipient.email,
      template: 'auto-renew-refused',
      idempotencyKey: `auto-renew-refused:${due.id}:${due.ends_on}:${recipient.id}`,
      partnerId: due.partner_id,
      data: {
        accountName: account.name,
        productName: account.product_name,
        planName: account.plan_name,
        endsOn: due.ends_on,
        dashboardUrl: `${config.appUrl}${paths.partner.account(due.customer_account_id)}`,
      },
    });
  }
}

// One pass of the renewal job, at the given clock: renews every due subscription once, a
// batch per transaction, each subscription in its own savepoint so one failure costs only itself.
export async function runAutoRenewals(
  db: Knex,
  config: AutoRenewalConfig,
  clock: Clock,
  options: { batchSize?: number; onError?: (error: unknown, subscriptionId: number) => void } = {},
): Promise<AutoRenewalRun> {
  const batchSize = options.batchSize ?? 100;
  const run: AutoRenewalRun = { renewed: 0, refused: 0, failed: 0 };
  // Subscriptions this pass is done with although they still look due: claimed again, they would loop.
  const skipIds: number[] = [];
  for (;;) {
    const claimed = await db.transaction(async (trx) => {
      const due = await claimDue(trx, clock, config.autoRenewDaysBefore, batchSize, skipIds);
      for (const subscription of due) {
        try {
          await trx.transaction(async (savepoint) => {
            try {
              const placed = await renewInTransaction(
                savepoint,
                { type: 'system', name: AUTO_RENEWAL_ACTOR },
                {
                  partnerId: subscription.partner_id,
                  accountId: subscription.customer_account_id,
                  years: subscription.term_years,
                  orderKey: `auto-renew:${subscription.id}:${subscription.ends_on}`,
                  kind: 'auto_renewal',
                },
                { config, clock },
              );
              if (placed.created) run.renewed += 1;
              // Renewed before (its order exists): nothing to do, and not to be claimed again this pass.
              else skipIds.push(subscription.id);
            } catch (error) {
              if (!(error instanceof PlanRetiredError)) throw error;
              await refuseRetired(savepoint, subscription, error.message, config);
              run.refused += 1;
            }
          });
        } catch (error) {
          run.failed += 1;
          skipIds.push(subscription.id);
          options.onError?.(error, subscription.id);
        }
      }
      return due.length;
    });
    if (claimed < batchSize) return run;
  }
}

export interface AutoRenewState {
  enabled: boolean;
  termYears: number;
  // The day the job will renew it (AUTO_RENEW_DAYS_BEFORE before its end), when enrolled.
  renewsOn: string | undefined;
  // The job could not renew this term: the plan was retired.
  refusedThisTerm: boolean;
  // A lower plan kept for the next term (Upgrade), which the next renewal moves to.
  nextPlanName: string | undefined;
}

// What the Dashboard says about automatic renewal for one of the partner's accounts.
export async function autoRenewStateFor(db: Knex, partnerId: number, accountId: number, config: Pick<Config, 'autoRenewDaysBefore'>): Promise<AutoRenewState> {
  const row = await findSubscriptionOfAccount(
    db,
    { partnerId, accountId, lock: false },
    ['s.auto_renew', 's.auto_renew_refused_for', 's.ends_on', 's.term_years', 'np.name as next_plan_name'],
    (query) => query.leftJoin('plans as np', 'np.id', 's.next_plan_id'),
  );
  return {
    enabled: row.auto_renew,
    termYears: row.term_years,
    renewsOn: row.auto_renew ? addDays(row.ends_on, -config.autoRenewDaysBefore) : undefined,
    refusedThisTerm: row.auto_renew_refused_for !== null && row.auto_renew_refused_for === row.ends_on,
    nextPlanName: row.next_plan_name ?? undefined,
  };
}
