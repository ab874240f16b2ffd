import type { Knex } from 'knex';

// Orders (issue 15): every purchase, renewal, upgrade, added computers and trial conversion
// is an order on the partner's account. Prices are copied onto its lines when it is placed
// and never recomputed; money is integer cents in the order's one currency. The order key
// makes placing it happen once: a review page's one-time key, or for an automatic renewal
// "auto-renew:<subscription>:<end of the term it renews>".
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('orders', (t) => {
    t.bigIncrements('id');
    t.bigInteger('partner_id').notNullable().references('partners.id').onDelete('CASCADE');
    t.text('kind').notNullable();
    t.text('order_key').notNullable().unique();
    // Who placed it: a partner user, or (an automatic renewal) nobody, with the words shown instead.
    t.bigInteger('placed_by_user_id').references('partner_users.id').onDelete('SET NULL');
    t.text('placed_by_name').notNullable();
    t.text('currency').notNullable();
    t.bigInteger('total_cents').notNullable();
    t.timestamp('placed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(
    `ALTER TABLE orders ADD CONSTRAINT orders_kind_check CHECK (kind IN ('purchase', 'renewal', 'auto_renewal', 'upgrade', 'computers_added', 'trial_conversion'))`,
  );
  await knex.raw(`ALTER TABLE orders ADD CONSTRAINT orders_currency_check CHECK (currency ~ '^[A-Z]{3}$')`);
  await knex.raw('ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total_cents >= 0)');
  // The Orders tab: newest first with keyset pages, and a date range over the same index.
  await knex.raw('CREATE INDEX orders_partner_placed_idx ON orders (partner_id, placed_at DESC, id DESC)');

  await knex.schema.createTable('order_lines', (t) => {
    t.bigIncrements('id');
    t.bigInteger('order_id').notNullable().references('orders.id').onDelete('CASCADE');
    // The account may go; the order's words stay.
    t.bigInteger('customer_account_id').references('customer_accounts.id').onDelete('SET NULL');
    t.text('customer_name').notNullable();
    t.text('product_id').notNullable();
    t.text('product_name').notNullable();
    t.text('plan_id').notNullable();
    t.text('plan_name').notNullable();
    t.integer('computers').notNullable();
    // A whole term in years, or (prorated upgrades and added computers) a number of days.
    t.integer('term_years');
    t.integer('days');
    t.date('starts_on').notNullable();
    t.date('ends_on').notNullable();
    t.integer('unit_price_cents').notNullable(); // per computer per year, from the catalog
    t.bigInteger('amount_cents').notNullable();
  });
  await knex.raw('ALTER TABLE order_lines ADD CONSTRAINT order_lines_computers_check CHECK (computers >= 1)');
  await knex.raw('ALTER TABLE order_lines ADD CONSTRAINT order_lines_period_check CHECK ((term_years IS NULL) <> (days IS NULL))');
  await knex.raw('ALTER TABLE order_lines ADD CONSTRAINT order_lines_amount_check CHECK (amount_cents >= 0 AND unit_price_cents >= 0)');
  await knex.raw('CREATE INDEX order_lines_order_idx ON order_lines (order_id)');
  await knex.raw('CREATE INDEX order_lines_account_idx ON order_lines (customer_account_id, order_id DESC)');
  // Search by customer in the Orders tab.
  await knex.raw('CREATE INDEX order_lines_customer_search_idx ON order_lines USING gin (lower(customer_name) gin_trgm_ops)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('order_lines');
  await knex.schema.dropTable('orders');
}
