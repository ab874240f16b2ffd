import type { Knex } from 'knex';

// Partner users look after their own password (issue 14, item 8): emailed reset links, kept
// as customers' are (only the SHA-256 of the token, single use, expiry), and when the
// password last changed. Their sign-ins, right or wrong, are audit events (item 6); the
// index serves a user's own recent sign-ins on their settings page.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('partner_password_resets', (t) => {
    t.bigIncrements('id');
    t.bigInteger('partner_user_id').notNullable().references('partner_users.id').onDelete('CASCADE');
    t.text('token_hash').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true });
    t.index(['partner_user_id']);
  });
  await knex.schema.alterTable('partner_users', (t) => {
    t.timestamp('password_changed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`
    CREATE INDEX audit_events_partner_sign_ins_idx
        ON audit_events (partner_id, ((details->>'partnerUserId')), id DESC)
     WHERE action IN ('partner.signed_in', 'partner.sign_in_failed')`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX audit_events_partner_sign_ins_idx');
  await knex.schema.alterTable('partner_users', (t) => t.dropColumn('password_changed_at'));
  await knex.schema.dropTable('partner_password_resets');
}
