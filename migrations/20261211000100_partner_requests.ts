import type { Knex } from 'knex';

// Requests between a partner and a customer, answered by the customer in their Portal (issue 16):
// - 'manage': Add an existing customer. A partner asks to manage a direct account (no partner);
//   on Accept the account joins the partner's Accounts, still administered by the customer.
// - 'administer': a partner asks to become the administrator of one of its accounts.
// An account has at most one pending request (a unique partial index); a request expires
// after 14 days (expires_at, judged when read: an expired row is no longer pending in effect,
// and the next request marks it so).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('partner_requests', (t) => {
    t.bigIncrements('id');
    t.text('kind').notNullable();
    t.bigInteger('partner_id').notNullable().references('partners.id').onDelete('CASCADE');
    t.bigInteger('customer_account_id').notNullable().references('customer_accounts.id').onDelete('CASCADE');
    t.bigInteger('requested_by').references('partner_users.id').onDelete('SET NULL');
    t.text('status').notNullable().defaultTo('pending');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('decided_at', { useTz: true });
    t.index(['partner_id', 'id']);
  });
  await knex.raw(`ALTER TABLE partner_requests ADD CONSTRAINT partner_requests_kind_check CHECK (kind IN ('manage', 'administer'))`);
  await knex.raw(`ALTER TABLE partner_requests ADD CONSTRAINT partner_requests_status_check CHECK (status IN ('pending', 'accepted', 'declined', 'expired'))`);
  await knex.raw(`ALTER TABLE partner_requests ADD CONSTRAINT partner_requests_decided_check CHECK ((status IN ('accepted', 'declined')) = (decided_at IS NOT NULL))`);
  await knex.raw(`CREATE UNIQUE INDEX partner_requests_one_pending_idx ON partner_requests (customer_account_id) WHERE status = 'pending'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('partner_requests');
}
