import type { Knex } from 'knex';

// Expiry reminders (issue 15, part 7): the renewal job records each subscription without
// auto-renew that crosses 30 or 7 days before its end, and each trial that comes within 3 days
// of its end, once per term, and emails a partner's waiting reminders once a UTC day to each
// partner user with Expiry reminders on (the choice of migration 20261209000100).
export async function up(knex: Knex): Promise<void> {
  // Each partner's check: crossings are recorded for every day up to checked_on (the UTC day of
  // the last check; NULL before the first), so a check reads only the ends_on range that came
  // within a threshold since. accounts_version is the partner's accounts_version at that check:
  // while it has not moved, nothing but time can have brought a subscription into a window.
  // last_batch_day is the UTC day of the last email. A check locks its row (FOR UPDATE SKIP LOCKED).
  await knex.schema.createTable('partner_expiry_checks', (t) => {
    t.bigInteger('partner_id').primary().references('partners.id').onDelete('CASCADE');
    t.date('checked_on');
    t.bigInteger('accounts_version');
    t.date('last_batch_day');
  });
  // One row per reminder: a subscription, the threshold it crossed, and the end date of the term
  // it crossed it in. A renewal (a new ends_on) can be reminded again; one term never twice for
  // one threshold. batch_day: the UTC day of the email that took it (NULL while it waits).
  await knex.schema.createTable('expiry_reminders', (t) => {
    t.bigInteger('subscription_id').notNullable().references('subscriptions.id').onDelete('CASCADE');
    t.text('threshold').notNullable();
    t.date('ends_on').notNullable();
    t.bigInteger('customer_account_id').notNullable().references('customer_accounts.id').onDelete('CASCADE');
    t.bigInteger('partner_id').notNullable().references('partners.id').onDelete('CASCADE');
    t.timestamp('found_at', { useTz: true }).notNullable();
    t.date('batch_day');
    t.primary(['subscription_id', 'threshold', 'ends_on']);
  });
  await knex.raw(`ALTER TABLE expiry_reminders ADD CONSTRAINT expiry_reminders_threshold_check CHECK (threshold IN ('days_30', 'days_7', 'trial_3'))`);
  await knex.raw('CREATE INDEX expiry_reminders_waiting_idx ON expiry_reminders (partner_id) WHERE batch_day IS NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('expiry_reminders');
  await knex.schema.dropTable('partner_expiry_checks');
}
