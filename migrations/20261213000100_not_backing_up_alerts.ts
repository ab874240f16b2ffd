import type { Knex } from 'knex';

// The not-backing-up alert (issue 18, part 5): an email when an account crosses into Not
// backing up, at most once per crossing, batched into one email a day per partner.
export async function up(knex: Knex): Promise<void> {
  // The user's choice, beside their other email choices: on by default, whatever the role.
  await knex.schema.alterTable('partner_users', (t) => {
    t.boolean('email_alerts').notNullable().defaultTo(true);
  });
  // Each partner's check: crossings are recorded for every oldest_backup_at up to checked_until
  // (the partner's not-backing-up moment at the last check; NULL before the first), so a check
  // reads only the index range of oldest_backup_at that crossed since. last_batch_day is the UTC
  // day of the last batch emailed. A check locks its partner's row (FOR UPDATE SKIP LOCKED).
  await knex.schema.createTable('partner_alert_checks', (t) => {
    t.bigInteger('partner_id').primary().references('partners.id').onDelete('CASCADE');
    t.timestamp('checked_until', { useTz: true });
    t.date('last_batch_day');
  });
  // One row per crossing: an account and the oldest_backup_at that crossed. A new backup then a
  // new crossing is a new row; the same crossing is never a second one. batch_day: the UTC day
  // of the batch that took it (NULL while it waits for the next batch).
  await knex.schema.createTable('not_backing_up_alerts', (t) => {
    t.bigInteger('customer_account_id').notNullable().references('customer_accounts.id').onDelete('CASCADE');
    t.timestamp('oldest_backup_at', { useTz: true }).notNullable();
    t.bigInteger('partner_id').notNullable().references('partners.id').onDelete('CASCADE');
    t.timestamp('found_at', { useTz: true }).notNullable();
    t.date('batch_day');
    t.primary(['customer_account_id', 'oldest_backup_at']);
  });
  await knex.raw('CREATE INDEX not_backing_up_alerts_waiting_idx ON not_backing_up_alerts (partner_id) WHERE batch_day IS NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('not_backing_up_alerts');
  await knex.schema.dropTable('partner_alert_checks');
  await knex.schema.alterTable('partner_users', (t) => {
    t.dropColumn('email_alerts');
  });
}
