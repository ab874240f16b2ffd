import type { Knex } from 'knex';

// Bulk purchase by CSV (issue 16, part 1): an uploaded file, read and checked, waits here
// between its preview and Place, so the preview needs neither JavaScript nor a second upload.
// Its rows (as typed, with their checked purchase or their problems) are one jsonb array. The
// state moves from previewed to placed once, on the locked row, in the placing transaction:
// a repeat, a refresh or a second tab finds it placed. Keyed by a random id, and read only
// with the partner and the user who uploaded it.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('bulk_uploads', (t) => {
    t.uuid('id').primary();
    t.bigInteger('partner_id').notNullable().references('partners.id').onDelete('CASCADE');
    t.bigInteger('partner_user_id').notNullable().references('partner_users.id').onDelete('CASCADE');
    t.text('file_name').notNullable();
    t.text('state').notNullable().defaultTo('previewed');
    t.jsonb('rows').notNullable();
    t.integer('ready_count').notNullable();
    t.integer('problem_count').notNullable();
    t.bigInteger('ready_total_cents').notNullable();
    // Placed: the order, and each row's account (null where the row was skipped), in row order.
    t.bigInteger('order_id').references('orders.id');
    t.jsonb('account_ids');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('placed_at', { useTz: true });
  });
  await knex.raw(`ALTER TABLE bulk_uploads ADD CONSTRAINT bulk_uploads_state_check CHECK (state IN ('previewed', 'placed'))`);
  await knex.raw(`ALTER TABLE bulk_uploads ADD CONSTRAINT bulk_uploads_placed_check CHECK ((state = 'placed') = (order_id IS NOT NULL AND placed_at IS NOT NULL))`);
  // Previews nobody placed are deleted once expired: the partner's are found by this index.
  await knex.raw(`CREATE INDEX bulk_uploads_partner_expiry_idx ON bulk_uploads (partner_id, expires_at) WHERE state = 'previewed'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('bulk_uploads');
}
