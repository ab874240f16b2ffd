import type { Knex } from 'knex';

// A partner user's own settings (issue 17): a change of email address confirmed by a link
// sent to the new address (the reset links' rules), and which emails they want.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('partner_email_changes', (t) => {
    t.bigIncrements('id');
    t.bigInteger('partner_user_id').notNullable().references('partner_users.id').onDelete('CASCADE');
    t.text('new_email').notNullable();
    // SHA-256 hex of the emailed token; only the newest request of a user is kept.
    t.text('token_hash').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true });
    t.index(['partner_user_id']);
  });
  await knex.schema.alterTable('partner_users', (t) => {
    t.boolean('email_order_confirmations').notNullable().defaultTo(true);
    t.boolean('email_expiry_reminders').notNullable().defaultTo(true);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('partner_users', (t) => {
    t.dropColumn('email_order_confirmations');
    t.dropColumn('email_expiry_reminders');
  });
  await knex.schema.dropTable('partner_email_changes');
}
