import type { Knex } from 'knex';
import type { SessionUser } from '../lib/auth/passport.ts';
import { hashToken, isTokenShaped } from '../lib/codes.ts';
import { hashSecret } from '../lib/auth/passwords.ts';
import { recordAudit } from './audit.ts';
import { issueInvitation, type InvitationConfig } from './registrationInvitations.ts';
import { customerEmailInUse, customerSessionUser, securityAnswerColumns, type SecurityAnswers } from './customerUsers.ts';

// What a registration link can be: usable, expired (a new one can be asked for), used
// (registration is complete) or no longer working (unknown, or a newer link was sent).
export type LinkState = 'valid' | 'expired' | 'used' | 'no_longer_works';

export type ProductId = 'safe' | 'safe-backup-pro';

export interface RegistrationInvitation {
  invitationId: number;
  state: LinkState;
  accountId: number;
  partnerId: number;
  email: string;
  accountName: string;
  productId: ProductId;
  subscriptionId: number;
  installations: number;
}

function invitations(db: Knex | Knex.Transaction) {
  return db('registration_invitations as i')
    .join('customer_accounts as a', 'a.id', 'i.customer_account_id')
    .join('subscriptions as s', 's.customer_account_id', 'a.id');
}

const INVITATION_COLUMNS = [
  'i.id',
  'i.email',
  'i.expires_at',
  'i.voided_at',
  'i.used_at',
  'a.id as account_id',
  'a.partner_id',
  'a.name as account_name',
  's.id as subscription_id',
  's.product_id',
];

interface InvitationRow {
  id: number;
  email: string;
  expires_at: Date;
  voided_at: Date | null;
  used_at: Date | null;
  account_id: number;
  partner_id: number;
  account_name: string;
  subscription_id: number;
  product_id: ProductId;
  installations: number;
}

function stateOf(row: Pick<InvitationRow, 'used_at' | 'voided_at' | 'expires_at'>, now = Date.now()): LinkState {
  if (row.used_at) return 'used';
  if (row.voided_at) return 'no_longer_works';
  if (row.expires_at.getTime() <= now) return 'expired';
  return 'valid';
}

function fromRow(row: InvitationRow): RegistrationInvitation {
  return {
    invitationId: row.id,
    state: stateOf(row),
    accountId: row.account_id,
    partnerId: row.partner_id,
    email: row.email,
    accountName: row.account_name,
    productId: row.product_id,
    subscriptionId: row.subscription_id,
    installations: row.installations,
  };
}

function withInstallationCount(db: Knex) {
  return db.raw('(SELECT count(*)::int FROM installations n WHERE n.subscription_id = s.id) AS installations');
}

// The emailed token is looked up only by its SHA-256; a malformed token is simply unknown.
export async function findInvitationByToken(db: Knex, token: string): Promise<RegistrationInvitation | undefined> {
  if (!isTokenShaped(token)) return undefined;
  const row = await invitations(db).where('i.token_hash', hashToken(token)).first([...INVITATION_COLUMNS, withInstallationCount(db)]);
  return row ? fromRow(row) : undefined;
}

export async function findInvitation(db: Knex, invitationId: number): Promise<RegistrationInvitation | undefined> {
  const row = await invitations(db).where('i.id', invitationId).first([...INVITATION_COLUMNS, withInstallationCount(db)]);
  return row ? fromRow(row) : undefined;
}

export type InstallationMatch =
  | { matched: true; installationId: number }
  | { matched: false; reason: 'serial_number' | 'computer_name' | 'different_computers' };

// Serial numbers are printed in capitals and people add spaces; computer names ignore case.
export function normaliseSerialNumber(value: string): string {
  return value.toUpperCase().replace(/\s+/g, '');
}

// Finds the installation of this subscription the customer named, by serial number,
// computer name or both (then both must be the same computer).
export async function matchInstallation(
  db: Knex,
  subscriptionId: number,
  given: { serialNumber: string; computerName: string },
): Promise<InstallationMatch> {
  const rows: { id: number; serial_number: string; computer_name: string }[] = await db('installations')
    .where({ subscription_id: subscriptionId })
    .andWhere((q) => {
      if (given.serialNumber) q.orWhere('serial_number', normaliseSerialNumber(given.serialNumber));
      if (given.computerName) q.orWhereRaw('lower(computer_name) = lower(?)', [given.computerName]);
    })
    .select('id', 'serial_number', 'computer_name');
  const bySerial = given.serialNumber ? rows.find((r) => r.serial_number === normaliseSerialNumber(given.serialNumber)) : undefined;
  const byName = given.computerName ? rows.find((r) => r.computer_name.toLowerCase() === given.computerName.toLowerCase()) : undefined;
  if (given.serialNumber && !bySerial) return { matched: false, reason: 'serial_number' };
  if (given.computerName && !byName) return { matched: false, reason: 'computer_name' };
  if (bySerial && byName && bySerial.id !== byName.id) return { matched: false, reason: 'different_computers' };
  const match = bySerial ?? byName;
  return match ? { matched: true, installationId: match.id } : { matched: false, reason: 'computer_name' };
}

export interface AccountInformation extends SecurityAnswers {
  password: string;
  firstName?: string;
  lastName?: string;
  phone?: string;
}

export type CompletionResult =
  | { outcome: 'completed'; user: SessionUser }
  | { outcome: 'used' | 'no_longer_works' | 'expired' | 'email_in_use' };

// Completes a registration in one transaction: the customer user, the invitation used, the
// account active with its registration date, an audit event. The invitation's row lock
// makes a second simultaneous submit wait and then find the link used; the unique index on
// the account's customer user is the last word if anything else races.
export async function completeRegistration(
  db: Knex,
  invitationId: number,
  info: AccountInformation,
  context: { address?: string },
): Promise<CompletionResult> {
  // bcrypt runs before the transaction, so no lock is held while it works.
  const [passwordHash, answerColumns] = await Promise.all([hashSecret(info.password), securityAnswerColumns(info)]);
  try {
    return await db.transaction(async (trx) => {
      const invitation: InvitationRow | undefined = await invitations(trx)
        .where('i.id', invitationId)
        .forUpdate('i')
        .first(INVITATION_COLUMNS);
      if (!invitation) return { outcome: 'no_longer_works' as const };
      const state = stateOf(invitation);
      if (state !== 'valid') return { outcome: state };
      if (await trx('customer_users').where({ customer_account_id: invitation.account_id }).first('id')) return { outcome: 'used' as const };
      if (await customerEmailInUse(trx, invitation.email)) return { outcome: 'email_in_use' as const };

      const [created] = await trx('customer_users')
        .insert({
          customer_account_id: invitation.account_id,
          email: invitation.email,
          first_name: info.firstName || null,
          last_name: info.lastName || null,
          phone: info.phone || null,
          password_hash: passwordHash,
          ...answerColumns,
        })
        .returning('id');
      await trx('registration_invitations').where({ id: invitation.id }).update({ used_at: trx.fn.now() });
      // A registered customer manages the account, whether it was sold that way or handed over.
      await trx('customer_accounts')
        .where({ id: invitation.account_id })
        .update({ status: 'active', administrator: 'customer', registered_at: trx.fn.now(), updated_at: trx.fn.now() });
      const user = customerSessionUser({
        id: created.id,
        email: invitation.email,
        first_name: info.firstName || null,
        last_name: info.lastName || null,
        account_id: invitation.account_id,
        partner_id: invitation.partner_id,
        account_name: invitation.account_name,
        product_id: invitation.product_id,
      });
      await recordAudit(trx, { type: 'user', user }, {
        partnerId: invitation.partner_id,
        customerAccountId: invitation.account_id,
        action: 'registration.completed',
        address: context.address,
      });
      return { outcome: 'completed' as const, user };
    });
  } catch (error) {
    const constraint = (error as { constraint?: string }).constraint;
    if (constraint === 'customer_users_customer_account_id_unique') return { outcome: 'used' };
    if (constraint === 'customer_users_email_unique') return { outcome: 'email_in_use' };
    throw error;
  }
}

// "Send me a new link" from an expired link: only an expired link that is still the
// newest one, of an account nobody has registered yet, gets a fresh link by email.
export async function renewExpiredInvitation(
  db: Knex,
  invitationId: number,
  config: InvitationConfig,
  context: { address?: string },
): Promise<boolean> {
  return db.transaction(async (trx) => {
    const invitation = await trx('registration_invitations').where({ id: invitationId }).forUpdate().first();
    if (!invitation || stateOf(invitation) !== 'expired') return false;
    if (await trx('customer_users').where({ customer_account_id: invitation.customer_account_id }).first('id')) return false;
    const account = await trx('customer_accounts').where({ id: invitation.customer_account_id }).first('partner_id');
    await issueInvitation(trx, invitation.customer_account_id, config);
    await recordAudit(trx, { type: 'system', name: 'Registration link page' }, {
      partnerId: account.partner_id,
      customerAccountId: invitation.customer_account_id,
      action: 'registration.link_renewed',
      address: context.address,
    });
    return true;
  });
}
