// One of the partner's accounts: what its Dashboard shows, and its computers' backup state in words.
import type { Knex } from 'knex';
import { NotFoundError } from '../../lib/http/errors.ts';
import * as format from '../../lib/views/format.ts';
import type { Administrator } from '../purchases.ts';
import { clockAt, statusCase, type AccountStatus } from './statuses.ts';

export interface InstallationRow {
  id: number;
  computerName: string;
  platform: 'windows' | 'mac';
  serialNumber: string;
  activatedAt: Date;
  lastBackupAt: Date | null;
  lastBackupBytes: number | null;
}

export interface AccountDetails {
  id: number;
  name: string;
  email: string;
  administrator: Administrator;
  status: AccountStatus;
  createdAt: Date;
  registeredAt: Date | null;
  // The customer's own name, once they registered and gave it.
  customerName: string | undefined;
  productId: string;
  productName: string;
  planName: string;
  computersAllowed: number;
  computersUsed: number;
  termYears: number;
  // A free trial not yet upgraded to a paid subscription.
  trial: boolean;
  startsOn: string;
  endsOn: string;
  keyCode: string;
  // For a customer-managed account still to register: since when, and the newest link.
  registration:
    | {
        pendingSince: Date;
        linkSentAt: Date;
        linkExpiresAt: Date;
        linkExpired: boolean;
      }
    | undefined;
  installations: InstallationRow[];
}

// The account's name, when it is one of the partner's; otherwise a 404.
export async function findAccountNameForPartner(db: Knex, partnerId: number, accountId: number): Promise<{ id: number; name: string }> {
  const row = await db('customer_accounts').where({ id: accountId, partner_id: partnerId }).first('id', 'name');
  if (!row) throw new NotFoundError();
  return row;
}

export async function findAccountByPurchaseKey(db: Knex, partnerId: number, purchaseKey: string): Promise<number | undefined> {
  const row = await db('customer_accounts').where({ purchase_key: purchaseKey, partner_id: partnerId }).first('id');
  return row?.id;
}

// Everything the Dashboard shows about one of the partner's accounts. Another partner's
// account, or none, is a 404.
export async function findAccountForPartner(db: Knex, partnerId: number, accountId: number, clock = clockAt()): Promise<AccountDetails> {
  const [status, statusBindings] = statusCase(clock);
  const row = await db('customer_accounts as a')
    .join('subscriptions as s', 's.customer_account_id', 'a.id')
    .join('plans as pl', 'pl.id', 's.plan_id')
    .join('products as pr', 'pr.id', 's.product_id')
    .leftJoin('customer_users as u', 'u.customer_account_id', 'a.id')
    .where({ 'a.id': accountId, 'a.partner_id': partnerId })
    .first(
      'a.id',
      'a.name',
      'a.email',
      'a.administrator',
      'a.status as stored_status',
      'a.created_at',
      'a.registered_at',
      db.raw(`${status} AS status`, statusBindings),
      'u.first_name',
      'u.last_name',
      's.id as subscription_id',
      's.product_id',
      'pr.name as product_name',
      'pl.name as plan_name',
      's.computers_allowed',
      's.term_years',
      's.trial',
      's.starts_on',
      's.ends_on',
      's.key_code',
    );
  if (!row) throw new NotFoundError();

  const installations = await db('installations as i')
    .join('subscriptions as s', 's.id', 'i.subscription_id')
    .where({ 's.id': row.subscription_id, 's.partner_id': partnerId })
    .orderBy('i.activated_at')
    .orderBy('i.id')
    .select('i.id', 'i.computer_name', 'i.platform', 'i.serial_number', 'i.activated_at', 'i.last_backup_at', 'i.last_backup_bytes');

  let registration: AccountDetails['registration'];
  if (row.administrator === 'customer' && row.stored_status === 'pending_registration') {
    const links = await db('registration_invitations as i')
      .join('customer_accounts as a', 'a.id', 'i.customer_account_id')
      .where({ 'a.id': accountId, 'a.partner_id': partnerId })
      .orderBy('i.id')
      .select('i.created_at', 'i.expires_at');
    const newest = links.at(-1);
    if (newest) {
      registration = {
        pendingSince: links[0].created_at,
        linkSentAt: newest.created_at,
        linkExpiresAt: newest.expires_at,
        linkExpired: newest.expires_at.getTime() <= clock.now.getTime(),
      };
    }
  }

  const customerName = [row.first_name, row.last_name].filter(Boolean).join(' ') || undefined;
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    administrator: row.administrator,
    status: row.status,
    createdAt: row.created_at,
    registeredAt: row.registered_at,
    customerName,
    productId: row.product_id,
    productName: row.product_name,
    planName: row.plan_name,
    computersAllowed: row.computers_allowed,
    computersUsed: installations.length,
    termYears: row.term_years,
    trial: row.trial,
    startsOn: row.starts_on,
    endsOn: row.ends_on,
    keyCode: row.key_code,
    registration,
    installations: installations.map((i) => ({
      id: i.id,
      computerName: i.computer_name,
      platform: i.platform,
      serialNumber: i.serial_number,
      activatedAt: i.activated_at,
      lastBackupAt: i.last_backup_at,
      lastBackupBytes: i.last_backup_bytes === null ? null : Number(i.last_backup_bytes),
    })),
  };
}

export interface BackupState {
  text: string;
  tone: 'ok' | 'warning' | 'none';
}

const DAY_MS = 86_400_000;

// The last backup in plain words: "Backed up 2 hours ago", "No backup for 5 days", "No backup yet".
export function backupState(lastBackupAt: Date | null, activatedAt: Date, now = new Date()): BackupState {
  if (!lastBackupAt) return { text: 'No backup yet', tone: now.getTime() - activatedAt.getTime() >= 2 * DAY_MS ? 'warning' : 'none' };
  const age = now.getTime() - lastBackupAt.getTime();
  if (age < 2 * DAY_MS) return { text: `Backed up ${format.ago(lastBackupAt, now)}`, tone: 'ok' };
  return { text: `No backup for ${format.count(Math.floor(age / DAY_MS), 'day')}`, tone: 'warning' };
}
