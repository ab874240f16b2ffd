import type { Knex } from 'knex';

// Sessions, partners and their users, rate limiting and the audit log.
export async function up(knex: Knex): Promise<void> {
  // Sessions (lib/session/store.ts), in the layout of connect-pg-simple, the app's first session store.
  await knex.raw(`
    CREATE TABLE session (
      sid varchar NOT NULL PRIMARY KEY,
      sess json NOT NULL,
      expire timestamp(6) NOT NULL
    )`);
  await knex.raw('CREATE INDEX session_expire_idx ON session (expire)');
  // Lets "end all other sessions of this user" find them without a scan.
  await knex.raw(`CREATE INDEX session_user_idx ON session ((sess->'passport'->'user'->>'key'))`);

  await knex.schema.createTable('partners', (t) => {
    t.bigIncrements('id');
    t.text('name').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('partner_users', (t) => {
    t.bigIncrements('id');
    t.bigInteger('partner_id').notNullable().references('partners.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('email').notNullable();
    t.text('password_hash').notNullable();
    t.text('role').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['partner_id']);
  });
  await knex.raw(`ALTER TABLE partner_users ADD CONSTRAINT partner_users_role_check CHECK (role IN ('owner', 'admin', 'staff'))`);
  await knex.raw('CREATE UNIQUE INDEX partner_users_email_unique ON partner_users (lower(email))');

  // One row per counted event (a failed sign-in, an activation, a resend...). Limits are
  // counts over a window, so every app instance sees the same state.
  await knex.schema.createTable('rate_limit_hits', (t) => {
    t.bigIncrements('id');
    t.text('bucket').notNullable();
    t.text('key').notNullable();
    t.timestamp('hit_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['bucket', 'key', 'hit_at']);
    t.index(['hit_at']);
  });

  await knex.schema.createTable('audit_events', (t) => {
    t.bigIncrements('id');
    t.bigInteger('partner_id').references('partners.id').onDelete('CASCADE');
    t.bigInteger('customer_account_id');
    t.text('actor_type').notNullable();
    t.bigInteger('actor_id');
    t.text('actor_name').notNullable();
    t.text('action').notNullable();
    t.text('address');
    t.jsonb('details').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(
    `ALTER TABLE audit_events ADD CONSTRAINT audit_events_actor_type_check CHECK (actor_type IN ('partner_user', 'customer_user', 'client', 'system'))`,
  );
  await knex.raw('CREATE INDEX audit_events_partner_idx ON audit_events (partner_id, id DESC)');
  await knex.raw('CREATE INDEX audit_events_account_idx ON audit_events (customer_account_id, id DESC)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_events');
  await knex.schema.dropTable('rate_limit_hits');
  await knex.schema.dropTable('partner_users');
  await knex.schema.dropTable('partners');
  await knex.schema.dropTable('session');
}
