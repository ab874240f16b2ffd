// A partner user's own settings: their name, their email address (changed only once a link
// sent to the new address is opened: 32 random bytes, only their SHA-256 stored, single use,
// 24 hours, only the newest works) and which emails they want. Each change is in the Activity.
import type { Knex } from 'knex';
import type { Config } from '../lib/boot/config.ts';
import type { SessionUser } from '../lib/auth/passport.ts';
import { hashToken, isTokenShaped, newToken } from '../lib/codes.ts';
import { paths } from '../lib/paths.ts';
import { enqueueEmail } from './outbox.ts';
import { recordAudit } from './audit.ts';
import { endSessionsOfUser } from './sessions.ts';
import { findPartnerSessionUser } from './partners.ts';
import { resetStateOf, type ResetState } from './passwordResets.ts';

export const EMAIL_CHANGE_HOURS = 24;

export class EmailChangeRefused extends Error {}

export async function changeOwnName(db: Knex, user: SessionUser, name: string, address?: string): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('partner_users').where({ id: user.id, partner_id: user.partnerId }).update({ name, updated_at: trx.fn.now() });
    await recordAudit(trx, { type: 'user', user }, { partnerId: user.partnerId, action: 'partner.name_changed', address, details: { from: user.name, to: name } });
  });
}

async function emailInUse(db: Knex, email: string, exceptUserId: number): Promise<boolean> {
  return Boolean(await db('partner_users').whereRaw('lower(email) = lower(?)', [email]).whereNot({ id: exceptUserId }).first('id'));
}

// Queues the confirmation link to the new address; an earlier request of the user stops working.
export async function requestEmailChange(db: Knex, user: SessionUser, newEmail: string, context: { config: Pick<Config, 'appUrl'>; address?: string }): Promise<void> {
  if (newEmail.toLowerCase() === user.email.toLowerCase()) throw new EmailChangeRefused('This is already your email address');
  if (await emailInUse(db, newEmail, user.id)) throw new EmailChangeRefused('This email address is already used by a Partner Portal user');
  const { token, hash } = newToken();
  const expiresAt = new Date(Date.now() + EMAIL_CHANGE_HOURS * 3600_000);
  await db.transaction(async (trx) => {
    await trx('partner_email_changes').where({ partner_user_id: user.id }).whereNull('used_at').delete();
    const [row] = await trx('partner_email_changes').insert({ partner_user_id: user.id, new_email: newEmail, token_hash: hash, expires_at: expiresAt }).returning('id');
    await enqueueEmail(trx, {
      to: newEmail,
      template: 'partner-email-change',
      partnerId: user.partnerId,
      idempotencyKey: `partner-email-change:${row.id}`,
      data: { name: user.name, newEmail, confirmUrl: `${context.config.appUrl}${paths.partner.confirmEmailChange(token)}`, expiresAt: expiresAt.toISOString() },
    });
    await recordAudit(trx, { type: 'user', user }, { partnerId: user.partnerId, action: 'partner.email_change_requested', address: context.address, details: { email: user.email, newEmail } });
  });
}

// The user's change waiting for its link, if any (shown on Settings).
export async function findPendingEmailChange(db: Knex, user: SessionUser): Promise<{ newEmail: string; expiresAt: Date } | undefined> {
  const row = await db('partner_email_changes').where({ partner_user_id: user.id }).whereNull('used_at').where('expires_at', '>', db.fn.now()).orderBy('id', 'desc').first('new_email', 'expires_at');
  return row ? { newEmail: row.new_email, expiresAt: row.expires_at } : undefined;
}

export interface EmailChangeLink {
  id: number;
  state: ResetState;
  newEmail: string;
}

export async function findEmailChange(db: Knex, token: string): Promise<EmailChangeLink | undefined> {
  if (!isTokenShaped(token)) return undefined;
  const row = await db('partner_email_changes as c')
    .join('partner_users as u', 'u.id', 'c.partner_user_id')
    .where({ 'c.token_hash': hashToken(token) })
    .whereNull('u.deactivated_at')
    .first('c.id', 'c.new_email', 'c.expires_at', 'c.used_at');
  return row ? { id: Number(row.id), state: resetStateOf(row), newEmail: row.new_email } : undefined;
}

export type EmailChangeResult = { outcome: 'changed'; user: SessionUser } | { outcome: Exclude<ResetState, 'valid'> | 'email_in_use' };

// Spends the link and changes the address in one transaction (a second submit waits on the
// row lock, then finds it used); the user's sessions, which carry the old address, end.
export async function confirmEmailChange(db: Knex, changeId: number, address?: string): Promise<EmailChangeResult> {
  return db.transaction(async (trx) => {
    const change = await trx('partner_email_changes').where({ id: changeId }).forUpdate().first();
    if (!change) return { outcome: 'no_longer_works' as const };
    const state = resetStateOf(change);
    if (state !== 'valid') return { outcome: state };
    const user = await findPartnerSessionUser(trx, Number(change.partner_user_id));
    if (!user) return { outcome: 'no_longer_works' as const };
    await trx('partner_email_changes').where({ id: changeId }).update({ used_at: trx.fn.now() });
    if (await emailInUse(trx, change.new_email, user.id)) return { outcome: 'email_in_use' as const };
    await trx('partner_users').where({ id: user.id, partner_id: user.partnerId }).update({ email: change.new_email, updated_at: trx.fn.now() });
    await recordAudit(trx, { type: 'user', user }, { partnerId: user.partnerId, action: 'partner.email_changed', address, details: { from: user.email, to: change.new_email } });
    await endSessionsOfUser(trx, user.key);
    return { outcome: 'changed' as const, user: { ...user, email: change.new_email } };
  });
}

export interface EmailPreferences {
  orderConfirmations: boolean;
  expiryReminders: boolean;
  // The not-backing-up alert (models/notBackingUpAlerts.ts).
  alerts: boolean;
}

export async function findEmailPreferences(db: Knex, user: SessionUser): Promise<EmailPreferences> {
  const row = await db('partner_users').where({ id: user.id, partner_id: user.partnerId }).first('email_order_confirmations', 'email_expiry_reminders', 'email_alerts');
  return { orderConfirmations: Boolean(row?.email_order_confirmations), expiryReminders: Boolean(row?.email_expiry_reminders), alerts: Boolean(row?.email_alerts) };
}

export async function setEmailPreferences(db: Knex, user: SessionUser, preferences: EmailPreferences, address?: string): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('partner_users')
      .where({ id: user.id, partner_id: user.partnerId })
      .update({
        email_order_confirmations: preferences.orderConfirmations,
        email_expiry_reminders: preferences.expiryReminders,
        email_alerts: preferences.alerts,
        updated_at: trx.fn.now(),
      });
    await recordAudit(trx, { type: 'user', user }, { partnerId: user.partnerId, action: 'partner.email_preferences_changed', address, details: { ...preferences } });
  });
}
