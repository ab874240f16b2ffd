import type { Knex } from 'knex';

// The partner's team (issue 17): a read-only role, deactivated users, invitations, and
// two-factor sign-in (an encrypted TOTP secret, the last time step used, recovery codes).
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE partner_users DROP CONSTRAINT partner_users_role_check');
  await knex.raw(`ALTER TABLE partner_users ADD CONSTRAINT partner_users_role_check CHECK (role IN ('owner', 'admin', 'staff', 'read_only'))`);
  await knex.schema.alterTable('partner_users', (t) => {
    t.timestamp('deactivated_at', { useTz: true });
    // AES-256-GCM under TOTP_ENCRYPTION_KEY (lib/auth/totpSecrets.ts); null: no two-factor.
    t.text('totp_secret_encrypted');
    t.timestamp('totp_enabled_at', { useTz: true });
    // The newest TOTP time step accepted: a code of that step or older never works again.
    t.bigInteger('totp_last_step');
  });
  // One owner per company, whatever makes the change (a transfer demotes before it promotes).
  await knex.raw(`CREATE UNIQUE INDEX partner_users_one_owner ON partner_users (partner_id) WHERE role = 'owner'`);

  await knex.schema.alterTable('partners', (t) => {
    t.boolean('two_factor_required').notNullable().defaultTo(false);
  });

  await knex.schema.createTable('partner_recovery_codes', (t) => {
    t.bigIncrements('id');
    t.bigInteger('partner_user_id').notNullable().references('partner_users.id').onDelete('CASCADE');
    // SHA-256 of a code of ~93 random bits: enough that a fast hash is no weakness.
    t.text('code_hash').notNullable();
    t.timestamp('used_at', { useTz: true });
    t.unique(['partner_user_id', 'code_hash']);
  });

  await knex.schema.createTable('partner_invitations', (t) => {
    t.bigIncrements('id');
    t.bigInteger('partner_id').notNullable().references('partners.id').onDelete('CASCADE');
    t.text('email').notNullable();
    t.text('role').notNullable();
    // Only the newest link's hash: resending replaces it, so an older link stops working.
    t.text('token_hash').notNullable().unique();
    t.bigInteger('invited_by').references('partner_users.id').onDelete('SET NULL');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('sent_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('accepted_at', { useTz: true });
    t.bigInteger('accepted_user_id').references('partner_users.id').onDelete('SET NULL');
    t.timestamp('revoked_at', { useTz: true });
    t.index(['partner_id']);
  });
  await knex.raw(`ALTER TABLE partner_invitations ADD CONSTRAINT partner_invitations_role_check CHECK (role IN ('admin', 'staff', 'read_only'))`);
  // One open invitation per company and address.
  await knex.raw(`CREATE UNIQUE INDEX partner_invitations_open_unique ON partner_invitations (partner_id, lower(email)) WHERE accepted_at IS NULL AND revoked_at IS NULL`);

  // A deactivated user's sessions end in the same transaction, as a role change's do
  // (migration 20261203000200), so every instance sees it on the next request.
  await knex.raw(`
    CREATE TRIGGER partner_user_deactivated AFTER UPDATE OF deactivated_at ON partner_users
    FOR EACH ROW WHEN (OLD.deactivated_at IS NULL AND NEW.deactivated_at IS NOT NULL)
    EXECUTE FUNCTION partner_user_sessions_end()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER partner_user_deactivated ON partner_users');
  await knex.schema.dropTable('partner_invitations');
  await knex.schema.dropTable('partner_recovery_codes');
  await knex.schema.alterTable('partners', (t) => t.dropColumn('two_factor_required'));
  await knex.raw('DROP INDEX partner_users_one_owner');
  await knex.schema.alterTable('partner_users', (t) => {
    t.dropColumn('deactivated_at');
    t.dropColumn('totp_secret_encrypted');
    t.dropColumn('totp_enabled_at');
    t.dropColumn('totp_last_step');
  });
  await knex.raw(`UPDATE partner_users SET role = 'staff' WHERE role = 'read_only'`);
  await knex.raw('ALTER TABLE partner_users DROP CONSTRAINT partner_users_role_check');
  await knex.raw(`ALTER TABLE partner_users ADD CONSTRAINT partner_users_role_check CHECK (role IN ('owner', 'admin', 'staff'))`);
}
