import type { Knex } from 'knex';
import { backupState } from './accounts/details.ts';

// What a signed-in customer sees of their own account: always found through the
// customer account id of the session, never an id from the request.

export interface CustomerSubscription {
  accountName: string;
  productId: 'safe' | 'safe-backup-pro';
  productName: string;
  planName: string;
  computersAllowed: number;
  termYears: number;
  // A free trial from the partner, not yet upgraded to a paid subscription.
  trial: boolean;
  startsOn: string;
  endsOn: string;
  keyCode: string;
  registeredAt: Date | null;
}

export type BackupState = 'ok' | 'overdue' | 'none';

export interface CustomerComputer {
  id: number;
  lastBackupBytes: number | null;
  computerName: string;
  platform: 'windows' | 'mac';
  serialNumber: string;
  activatedAt: Date;
  lastBackupAt: Date | null;
  backupState: BackupState;
}

// Overdue by the partner's Dashboard rule (backupState), so the customer and their partner
// never disagree about a computer.
function backupStateOf(lastBackupAt: Date | null, activatedAt: Date, now: Date): BackupState {
  if (!lastBackupAt) return 'none';
  return backupState(lastBackupAt, activatedAt, now).tone === 'ok' ? 'ok' : 'overdue';
}

export async function findCustomerSubscription(db: Knex, customerAccountId: number): Promise<CustomerSubscription | undefined> {
  const row = await db('customer_accounts as a')
    .join('subscriptions as s', 's.customer_account_id', 'a.id')
    .join('products as p', 'p.id', 's.product_id')
    .join('plans as pl', 'pl.id', 's.plan_id')
    .where('a.id', customerAccountId)
    .first(
      'a.name as account_name',
      'a.registered_at',
      's.product_id',
      'p.name as product_name',
      'pl.name as plan_name',
      's.computers_allowed',
      's.term_years',
      's.trial',
      's.starts_on',
      's.ends_on',
      's.key_code',
    );
  if (!row) return undefined;
  return {
    accountName: row.account_name,
    productId: row.product_id,
    productName: row.product_name,
    planName: row.plan_name,
    computersAllowed: row.computers_allowed,
    termYears: row.term_years,
    trial: row.trial,
    startsOn: row.starts_on,
    endsOn: row.ends_on,
    keyCode: row.key_code,
    registeredAt: row.registered_at,
  };
}

export async function listCustomerComputers(db: Knex, customerAccountId: number): Promise<CustomerComputer[]> {
  const rows = await db('installations as n')
    .join('subscriptions as s', 's.id', 'n.subscription_id')
    .where('s.customer_account_id', customerAccountId)
    .orderByRaw('lower(n.computer_name), n.id')
    .select('n.id', 'n.computer_name', 'n.platform', 'n.serial_number', 'n.activated_at', 'n.last_backup_at', 'n.last_backup_bytes');
  const now = new Date();
  return rows.map((r) => ({
    id: r.id,
    lastBackupBytes: r.last_backup_bytes === null ? null : Number(r.last_backup_bytes),
    computerName: r.computer_name,
    platform: r.platform,
    serialNumber: r.serial_number,
    activatedAt: r.activated_at,
    lastBackupAt: r.last_backup_at,
    backupState: backupStateOf(r.last_backup_at, r.activated_at, now),
  }));
}
