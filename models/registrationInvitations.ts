import type { Knex } from 'knex';
import type { Config } from '../lib/boot/config.ts';
import { newToken } from '../lib/codes.ts';
import { enqueueEmail } from './outbox.ts';
import { paths } from '../lib/paths.ts';

// What a registration email needs from the configuration: the link's address and life, and the download links.
export type InvitationConfig = Pick<Config, 'appUrl' | 'registrationLinkDays' | 'downloadUrlWindows' | 'downloadUrlMac'>;

export interface IssuedInvitation {
  invitationId: number;
  token: string;
  expiresAt: Date;
}

// Issues a fresh registration link for a customer-managed account and queues its email,
// in the caller's transaction. Any older live link is voided first: only the newest works.
export async function issueInvitation(
  trx: Knex.Transaction,
  accountId: number,
  config: InvitationConfig,
): Promise<IssuedInvitation> {
  const account = await trx('customer_accounts as a')
    .join('subscriptions as s', 's.customer_account_id', 'a.id')
    .join('partners as p', 'p.id', 'a.partner_id')
    .join('products as pr', 'pr.id', 's.product_id')
    .join('plans as pl', 'pl.id', 's.plan_id')
    .where('a.id', accountId)
    .forUpdate('a')
    .first('a.id', 'a.partner_id', 'a.name', 'a.email', 'p.name as partner_name', 'p.support_email', 'p.phone', 'p.logo_updated_at', 'pr.name as product_name', 'pl.name as plan_name', 's.key_code');
  if (!account) throw new Error(`No customer account ${accountId}`);

  await trx('registration_invitations')
    .where({ customer_account_id: accountId })
    .whereNull('voided_at')
    .whereNull('used_at')
    .update({ voided_at: trx.fn.now() });

  const { token, hash } = newToken();
  const expiresAt = new Date(Date.now() + config.registrationLinkDays * 86_400_000);
  const [row] = await trx('registration_invitations')
    .insert({ customer_account_id: accountId, email: account.email, token_hash: hash, expires_at: expiresAt })
    .returning('id');

  await enqueueEmail(trx, {
    to: account.email,
    template: 'registration-invitation',
    idempotencyKey: `registration-invitation:${row.id}`,
    partnerId: account.partner_id,
    customerAccountId: accountId,
    data: {
      accountName: account.name,
      partnerName: account.partner_name,
      // The partner's branding (company profile): empty when they have none.
      partnerLogo: account.logo_updated_at ? `${config.appUrl}${paths.partnerLogo(account.partner_id, account.logo_updated_at.getTime())}` : '',
      partnerSupportEmail: account.support_email ?? '',
      partnerPhone: account.phone ?? '',
      productName: account.product_name,
      planName: account.plan_name,
      keyCode: account.key_code,
      registrationUrl: `${config.appUrl}${paths.registration.start(token)}`,
      expiresAt: expiresAt.toISOString(),
      downloadUrlWindows: config.downloadUrlWindows,
      downloadUrlMac: config.downloadUrlMac,
    },
  });
  return { invitationId: row.id, token, expiresAt };
}
