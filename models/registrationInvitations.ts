import type { Knex } from 'knex';
import type { Config } from '../lib/boot/config.ts';
import { newToken } from '../lib/codes.ts';
import { enqueueEmails, type OutgoingEmail } from './outbox.ts';
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
  const [issued] = await issueInvitations(trx, [accountId], config);
  return issued;
}

// When a link issued now stops working.
export function registrationLinkExpiry(config: Pick<InvitationConfig, 'registrationLinkDays'>, now = Date.now()): Date {
  return new Date(now + config.registrationLinkDays * 86_400_000);
}

// Rows per multi-row insert: well under PostgreSQL's 65,535 parameters a statement.
const BATCH = 1000;

// The same for many accounts at once (a bulk purchase), in a statement per step rather than
// a few per account. Answers the invitations in the order of accountIds.
export async function issueInvitations(
  trx: Knex.Transaction,
  accountIds: number[],
  config: InvitationConfig,
  expiresAt = registrationLinkExpiry(config),
): Promise<IssuedInvitation[]> {
  if (accountIds.length === 0) return [];
  const found = await trx('customer_accounts as a')
    .join('subscriptions as s', 's.customer_account_id', 'a.id')
    .join('partners as p', 'p.id', 'a.partner_id')
    .join('products as pr', 'pr.id', 's.product_id')
    .join('plans as pl', 'pl.id', 's.plan_id')
    .whereIn('a.id', accountIds)
    .forUpdate('a')
    .select('a.id', 'a.partner_id', 'a.name', 'a.email', 'p.name as partner_name', 'p.support_email', 'p.phone', 'p.logo_updated_at', 'pr.name as product_name', 'pl.name as plan_name', 's.key_code');
  const byId = new Map(found.map((a) => [Number(a.id), a]));
  const accounts = accountIds.map((id) => {
    const account = byId.get(id);
    if (!account) throw new Error(`No customer account ${id}`);
    return account;
  });

  await trx('registration_invitations')
    .whereIn('customer_account_id', accountIds)
    .whereNull('voided_at')
    .whereNull('used_at')
    .update({ voided_at: trx.fn.now() });

  const issued: IssuedInvitation[] = [];
  const emails: OutgoingEmail[] = [];
  for (let start = 0; start < accounts.length; start += BATCH) {
    const batch = accounts.slice(start, start + BATCH).map((account) => ({ account, ...newToken() }));
    const rows: { id: number }[] = await trx('registration_invitations')
      .insert(batch.map(({ account, hash }) => ({ customer_account_id: account.id, email: account.email, token_hash: hash, expires_at: expiresAt })))
      .returning('id');
    // PostgreSQL answers a multi-row INSERT's RETURNING in the order of its VALUES.
    batch.forEach(({ account, token }, i) => {
      issued.push({ invitationId: rows[i].id, token, expiresAt });
      emails.push({
        to: account.email,
        template: 'registration-invitation',
        idempotencyKey: `registration-invitation:${rows[i].id}`,
        partnerId: account.partner_id,
        customerAccountId: account.id,
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
    });
  }
  await enqueueEmails(trx, emails);
  return issued;
}
