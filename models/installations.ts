import type { Knex } from 'knex';
import { hashToken, newSerialNumber, newToken, normaliseKeyCode } from '../lib/codes.ts';
import { recordAudit } from './audit.ts';

export const PLATFORMS = ['windows', 'mac'] as const;
export type Platform = (typeof PLATFORMS)[number];

export interface ActivationInput {
  keyCode: string; // as typed: normalised here
  computerName: string;
  platform: Platform;
}

export interface Activation {
  installationId: number;
  serialNumber: string;
  deviceToken: string; // handed to the device once; only its hash is kept
}

export type ActivationRefusal = 'unknown_key_code' | 'subscription_ended' | 'subscription_full';

export class ActivationRefusedError extends Error {
  constructor(
    public readonly reason: ActivationRefusal,
    message: string,
  ) {
    super(message);
    this.name = 'ActivationRefusedError';
  }
}

// Subscription days are calendar days in UTC, as purchases write them.
const todayUtc = () => new Date().toISOString().slice(0, 10);

// Activates a computer on the subscription of a key code. A computer name the subscription
// already has (whatever its case) is a reinstall: the same serial number and seat, a new
// device token, and the old token stops working.
export async function activateInstallation(
  db: Knex,
  input: ActivationInput,
  context: { address?: string | null } = {},
): Promise<Activation> {
  const keyCode = normaliseKeyCode(input.keyCode);
  if (!keyCode) throw new ActivationRefusedError('unknown_key_code', 'There is no subscription with this key code. Check it and try again.');
  const computerName = input.computerName.trim();

  return db.transaction(async (trx) => {
    // The row lock makes concurrent activations on one subscription take turns, so the
    // last seat is counted once.
    const subscription = await trx('subscriptions')
      .where({ key_code: keyCode })
      .forUpdate()
      .first('id', 'partner_id', 'customer_account_id', 'computers_allowed', 'ends_on');
    if (!subscription) {
      throw new ActivationRefusedError('unknown_key_code', `There is no subscription with the key code ${keyCode}. Check it and try again.`);
    }
    if (subscription.ends_on < todayUtc()) {
      throw new ActivationRefusedError(
        'subscription_ended',
        `The subscription with the key code ${keyCode} ended on ${subscription.ends_on}. It must be renewed before a computer can be activated.`,
      );
    }

    const { token, hash } = newToken();
    const existing = await trx('installations')
      .where({ subscription_id: subscription.id })
      .whereRaw('lower(computer_name) = lower(?)', [computerName])
      .first('id', 'serial_number');

    let installationId: number;
    let serialNumber: string;
    if (existing) {
      await trx('installations')
        .where({ id: existing.id })
        .update({ computer_name: computerName, platform: input.platform, device_token_hash: hash });
      installationId = existing.id;
      serialNumber = existing.serial_number;
    } else {
      const [{ used }] = await trx('installations').where({ subscription_id: subscription.id }).count<{ used: number }[]>('* as used');
      if (used >= subscription.computers_allowed) {
        const allowed = subscription.computers_allowed;
        throw new ActivationRefusedError(
          'subscription_full',
          `All ${allowed} ${allowed === 1 ? 'computer' : 'computers'} this subscription allows are already activated. ` +
            'To reinstall, use the name of a computer it already has; to add a computer, the subscription needs more computers.',
        );
      }
      ({ installationId, serialNumber } = await insertWithFreshSerialNumber(trx, {
        subscription_id: subscription.id,
        computer_name: computerName,
        platform: input.platform,
        device_token_hash: hash,
      }));
    }

    await recordAudit(trx, { type: 'client', name: computerName }, {
      partnerId: subscription.partner_id,
      customerAccountId: subscription.customer_account_id,
      action: existing ? 'installation.reinstalled' : 'installation.activated',
      address: context.address,
      details: { computerName, platform: input.platform, serialNumber },
    });
    return { installationId, serialNumber, deviceToken: token };
  });
}

// Serial numbers are random; the unique index decides, and a clash draws again inside a savepoint.
async function insertWithFreshSerialNumber(
  trx: Knex.Transaction,
  row: { subscription_id: number; computer_name: string; platform: Platform; device_token_hash: string },
): Promise<{ installationId: number; serialNumber: string }> {
  for (let attempt = 0; ; attempt += 1) {
    const serialNumber = newSerialNumber();
    try {
      const [inserted] = await trx.transaction((savepoint) => savepoint('installations').insert({ ...row, serial_number: serialNumber }).returning('id'));
      return { installationId: inserted.id, serialNumber };
    } catch (error) {
      if ((error as { constraint?: string }).constraint !== 'installations_serial_number_unique' || attempt >= 5) throw error;
    }
  }
}

export interface BackupReport {
  completedAt: Date;
  bytes: number;
  files: number;
}

export interface RecordedBackup {
  serialNumber: string;
  completedAt: Date;
  bytes: number;
  files: number;
  lastBackupAt: Date;
  // true when this exact report was already recorded (a client retrying after a lost answer)
  repeated: boolean;
}

// Records a finished backup for the installation holding the device token, and moves the
// installation's last backup forward (never back: reports can arrive out of order).
// Answers undefined for a token no installation holds.
export async function recordBackup(db: Knex, deviceToken: string, report: BackupReport): Promise<RecordedBackup | undefined> {
  return db.transaction(async (trx) => {
    // Locked so a retried report and its original cannot both be recorded.
    const installation = await trx('installations').where({ device_token_hash: hashToken(deviceToken) }).forUpdate().first('id', 'serial_number');
    if (!installation) return undefined;

    const same = { installation_id: installation.id, completed_at: report.completedAt, bytes: report.bytes, files: report.files };
    const earlier = await trx('backups').where(same).first('id');
    if (!earlier) await trx('backups').insert(same);

    await trx('installations')
      .where({ id: installation.id })
      .andWhere((q) => q.whereNull('last_backup_at').orWhere('last_backup_at', '<', report.completedAt))
      .update({ last_backup_at: report.completedAt, last_backup_bytes: report.bytes, last_backup_files: report.files });
    const { last_backup_at: lastBackupAt } = await trx('installations').where({ id: installation.id }).first('last_backup_at');

    return {
      serialNumber: installation.serial_number,
      completedAt: report.completedAt,
      bytes: report.bytes,
      files: report.files,
      lastBackupAt,
      repeated: Boolean(earlier),
    };
  });
}
