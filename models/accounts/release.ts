// Release account: the account leaves the partner's Portal. Nothing is deleted: its
// subscription, computers and backups stay; the customer keeps their Portal.
import type { Knex } from 'knex';
import type { SessionUser } from '../../lib/auth/passport.ts';
import { NotFoundError } from '../../lib/http/errors.ts';
import { paths } from '../../lib/paths.ts';
import { recordAudit } from '../audit.ts';
import { enqueueEmail } from '../outbox.ts';

export interface ReleaseContext {
  address?: string;
  config: { appUrl: string };
}

// Why an account cannot be released yet, if it cannot.
export type ReleaseBlock = 'partner_administers' | 'not_registered';

export function releaseBlockOf(account: { administrator: string; status: string }): ReleaseBlock | undefined {
  if (account.administrator === 'partner') return 'partner_administers';
  // Nobody could manage an account whose customer never registered: its registration link
  // is resent by the partner alone.
  if (account.status === 'pending_registration') return 'not_registered';
  return undefined;
}

export type ReleaseResult = { released: true; name: string } | { released: false; reason: ReleaseBlock } | { released: false; reason: 'already_released'; name: string };

// Once for any number of submits: the row is locked, and a second submit finds it no longer
// the partner's. That second submit, by the partner who released it, answers so (they know the
// account); anyone else gets the 404 another partner's account gets.
export async function releaseAccount(db: Knex, actor: SessionUser, accountId: number, context: ReleaseContext): Promise<ReleaseResult> {
  const partnerId = actor.partnerId;
  return db.transaction(async (trx) => {
    const account = await trx('customer_accounts')
      .where({ id: accountId, partner_id: partnerId })
      .forUpdate()
      .first('id', 'name', 'email', 'administrator', 'status');
    if (!account) {
      const released = await trx('audit_events')
        .where({ partner_id: partnerId, customer_account_id: accountId, action: 'account.released' })
        .whereRaw("created_at > now() - interval '1 hour'")
        .first('details');
      if (released) return { released: false, reason: 'already_released', name: String(released.details?.accountName ?? '') } as const;
      throw new NotFoundError();
    }
    const block = releaseBlockOf(account);
    if (block) return { released: false, reason: block } as const;

    const subscription = await trx('subscriptions as s')
      .join('products as pr', 'pr.id', 's.product_id')
      .join('plans as pl', 'pl.id', 's.plan_id')
      .where('s.customer_account_id', accountId)
      .first('s.id', 's.ends_on', 'pr.name as product_name', 'pl.name as plan_name');
    const partner = await trx('partners').where({ id: partnerId }).first('name');
    const user = await trx('customer_users').where({ customer_account_id: accountId }).first('email');

    // The partner billed the renewals: without a partner, auto-renew stops (the trigger
    // follows the account's partner onto the subscription).
    await trx('subscriptions').where({ id: subscription.id }).update({ auto_renew: false });
    await trx('customer_accounts').where({ id: accountId, partner_id: partnerId }).update({ partner_id: null, updated_at: trx.fn.now() });
    await enqueueEmail(trx, {
      to: user?.email ?? account.email,
      template: 'account-released',
      // The partner's, not the account's (it has none now): their mail, their Undelivered mail page.
      partnerId,
      customerAccountId: accountId,
      idempotencyKey: `account-released:${accountId}:${subscription.id}:${Date.now()}`,
      data: {
        accountName: account.name,
        partnerName: partner.name,
        productName: subscription.product_name,
        planName: subscription.plan_name,
        endsOn: subscription.ends_on,
        portalUrl: `${context.config.appUrl}${paths.portal.home}`,
      },
    });
    // Recorded under the partner, with the account's name: their Activity keeps showing it
    // once the account is no longer theirs.
    await recordAudit(trx, { type: 'user', user: actor }, {
      partnerId,
      customerAccountId: accountId,
      action: 'account.released',
      address: context.address,
      details: { accountName: account.name, email: user?.email ?? account.email },
    });
    return { released: true, name: account.name } as const;
  });
}
