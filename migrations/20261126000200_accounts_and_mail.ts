import type { Knex } from 'knex';

// The catalog, customer accounts with their subscription, registration invitations,
// installations and their backups, customer users, security questions, password resets,
// and the email outbox. Catalog and security questions are reference data, inserted here.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE EXTENSION IF NOT EXISTS pg_trgm');

  await knex.schema.createTable('products', (t) => {
    t.text('id').primary();
    t.text('name').notNullable().unique();
    t.integer('min_computers').notNullable();
    t.integer('max_computers').notNullable();
    t.integer('sort_order').notNullable();
  });
  await knex.schema.createTable('plans', (t) => {
    t.text('id').primary();
    t.text('product_id').notNullable().references('products.id');
    t.text('name').notNullable();
    t.integer('yearly_price_cents').notNullable(); // per computer per year
    t.integer('sort_order').notNullable();
    t.unique(['product_id', 'name']);
  });
  await knex('products').insert([
    { id: 'safe', name: 'Safe', min_computers: 1, max_computers: 1, sort_order: 1 },
    { id: 'safe-backup-pro', name: 'Safe Backup Pro', min_computers: 1, max_computers: 500, sort_order: 2 },
  ]);
  await knex('plans').insert([
    { id: 'safe-basic', product_id: 'safe', name: 'Basic', yearly_price_cents: 7199, sort_order: 1 },
    { id: 'safe-plus', product_id: 'safe', name: 'Plus', yearly_price_cents: 11199, sort_order: 2 },
    { id: 'safe-prime', product_id: 'safe', name: 'Prime', yearly_price_cents: 14999, sort_order: 3 },
    { id: 'sbp-core', product_id: 'safe-backup-pro', name: 'Core', yearly_price_cents: 28799, sort_order: 1 },
    { id: 'sbp-power', product_id: 'safe-backup-pro', name: 'Power', yearly_price_cents: 47999, sort_order: 2 },
    { id: 'sbp-ultimate', product_id: 'safe-backup-pro', name: 'Ultimate', yearly_price_cents: 79999, sort_order: 3 },
  ]);

  await knex.schema.createTable('customer_accounts', (t) => {
    t.bigIncrements('id');
    t.bigInteger('partner_id').notNullable().references('partners.id').onDelete('CASCADE');
    t.text('name').notNullable(); // the customer (company or person) as the partner named it
    t.text('email').notNullable();
    t.text('administrator').notNullable();
    t.text('status').notNullable();
    t.timestamp('registered_at', { useTz: true });
    // The one-time key of the review page that placed this purchase: a second submit finds it.
    t.uuid('purchase_key').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`ALTER TABLE customer_accounts ADD CONSTRAINT customer_accounts_administrator_check CHECK (administrator IN ('partner', 'customer'))`);
  await knex.raw(`ALTER TABLE customer_accounts ADD CONSTRAINT customer_accounts_status_check CHECK (status IN ('pending_registration', 'active'))`);
  await knex.raw('CREATE INDEX customer_accounts_partner_name_idx ON customer_accounts (partner_id, lower(name), id)');
  await knex.raw('CREATE INDEX customer_accounts_partner_newest_idx ON customer_accounts (partner_id, id DESC)');
  await knex.raw(
    `CREATE INDEX customer_accounts_search_idx ON customer_accounts USING gin ((lower(name) || ' ' || lower(email)) gin_trgm_ops)`,
  );

  await knex.schema.createTable('subscriptions', (t) => {
    t.bigIncrements('id');
    t.bigInteger('customer_account_id').notNullable().unique().references('customer_accounts.id').onDelete('CASCADE');
    t.bigInteger('partner_id').notNullable().references('partners.id').onDelete('CASCADE');
    t.text('product_id').notNullable().references('products.id');
    t.text('plan_id').notNullable().references('plans.id');
    t.integer('computers_allowed').notNullable();
    t.integer('term_years').notNullable();
    t.date('starts_on').notNullable();
    t.date('ends_on').notNullable();
    t.text('key_code').notNullable().unique();
    t.integer('yearly_price_cents').notNullable(); // per computer, as sold
    t.integer('total_price_cents').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('ALTER TABLE subscriptions ADD CONSTRAINT subscriptions_computers_check CHECK (computers_allowed BETWEEN 1 AND 500)');
  await knex.raw('ALTER TABLE subscriptions ADD CONSTRAINT subscriptions_term_check CHECK (term_years IN (1, 2, 3))');
  await knex.raw(`ALTER TABLE subscriptions ADD CONSTRAINT subscriptions_key_code_check CHECK (key_code ~ '^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$')`);
  await knex.raw('CREATE INDEX subscriptions_partner_ends_idx ON subscriptions (partner_id, ends_on, customer_account_id)');

  await knex.schema.createTable('registration_invitations', (t) => {
    t.bigIncrements('id');
    t.bigInteger('customer_account_id').notNullable().references('customer_accounts.id').onDelete('CASCADE');
    t.text('email').notNullable();
    t.text('token_hash').notNullable().unique(); // SHA-256 hex of the emailed token
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('voided_at', { useTz: true }); // a newer link was sent
    t.timestamp('used_at', { useTz: true });
  });
  await knex.raw('CREATE INDEX registration_invitations_account_idx ON registration_invitations (customer_account_id, id DESC)');
  // At most one live link per account: resending voids the old one in the same transaction.
  await knex.raw(
    'CREATE UNIQUE INDEX registration_invitations_one_live_idx ON registration_invitations (customer_account_id) WHERE voided_at IS NULL AND used_at IS NULL',
  );

  await knex.schema.createTable('installations', (t) => {
    t.bigIncrements('id');
    t.bigInteger('subscription_id').notNullable().references('subscriptions.id').onDelete('CASCADE');
    t.text('computer_name').notNullable();
    t.text('platform').notNullable();
    t.text('serial_number').notNullable().unique();
    t.text('device_token_hash').notNullable().unique();
    t.timestamp('activated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_backup_at', { useTz: true });
    t.bigInteger('last_backup_bytes');
    t.integer('last_backup_files');
  });
  await knex.raw(`ALTER TABLE installations ADD CONSTRAINT installations_platform_check CHECK (platform IN ('windows', 'mac'))`);
  await knex.raw('CREATE UNIQUE INDEX installations_computer_name_idx ON installations (subscription_id, lower(computer_name))');

  await knex.schema.createTable('backups', (t) => {
    t.bigIncrements('id');
    t.bigInteger('installation_id').notNullable().references('installations.id').onDelete('CASCADE');
    t.timestamp('completed_at', { useTz: true }).notNullable();
    t.bigInteger('bytes').notNullable();
    t.integer('files').notNullable();
    t.timestamp('reported_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['installation_id', 'completed_at']);
  });

  await knex.schema.createTable('security_questions', (t) => {
    t.increments('id');
    t.text('text').notNullable().unique();
    t.integer('sort_order').notNullable();
  });
  await knex('security_questions').insert(
    [
      'What was the name of your first pet?',
      'In what city were you born?',
      'What was the name of your first school?',
      'What is your oldest cousin’s first name?',
      'What was the make of your first car?',
      'What street did you grow up on?',
      'What is your favourite book?',
      'What was your childhood nickname?',
    ].map((text, index) => ({ text, sort_order: index + 1 })),
  );

  await knex.schema.createTable('customer_users', (t) => {
    t.bigIncrements('id');
    t.bigInteger('customer_account_id').notNullable().unique().references('customer_accounts.id').onDelete('CASCADE');
    t.text('email').notNullable();
    t.text('first_name');
    t.text('last_name');
    t.text('phone');
    t.text('password_hash').notNullable();
    t.integer('security_question_1_id').notNullable().references('security_questions.id');
    t.text('security_answer_1_hash').notNullable();
    t.integer('security_question_2_id').notNullable().references('security_questions.id');
    t.text('security_answer_2_hash').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('password_changed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE UNIQUE INDEX customer_users_email_unique ON customer_users (lower(email))');
  await knex.raw('ALTER TABLE customer_users ADD CONSTRAINT customer_users_questions_differ CHECK (security_question_1_id <> security_question_2_id)');

  await knex.schema.createTable('password_resets', (t) => {
    t.bigIncrements('id');
    t.bigInteger('customer_user_id').notNullable().references('customer_users.id').onDelete('CASCADE');
    t.text('token_hash').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true });
  });

  // The transactional outbox: a row is written in the same transaction as the change
  // that causes the email, and a worker delivers it.
  await knex.schema.createTable('outbox_emails', (t) => {
    t.bigIncrements('id');
    t.text('idempotency_key').notNullable().unique();
    t.text('recipient').notNullable();
    t.text('template').notNullable();
    t.jsonb('data').notNullable().defaultTo('{}');
    t.bigInteger('partner_id').references('partners.id').onDelete('CASCADE');
    t.bigInteger('customer_account_id').references('customer_accounts.id').onDelete('CASCADE');
    t.text('status').notNullable().defaultTo('pending');
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('claimed_until', { useTz: true });
    t.text('claimed_by');
    t.text('last_error');
    t.text('smtp_message_id');
    t.text('subject');
    t.text('html');
    t.text('text');
    t.timestamp('sent_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['customer_account_id', 'id']);
  });
  await knex.raw(`ALTER TABLE outbox_emails ADD CONSTRAINT outbox_emails_status_check CHECK (status IN ('pending', 'sent', 'failed', 'dead'))`);
  await knex.raw(`CREATE INDEX outbox_emails_due_idx ON outbox_emails (next_attempt_at) WHERE status = 'pending'`);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'outbox_emails',
    'password_resets',
    'customer_users',
    'security_questions',
    'backups',
    'installations',
    'registration_invitations',
    'subscriptions',
    'customer_accounts',
    'plans',
    'products',
  ]) {
    await knex.schema.dropTable(table);
  }
}
