import type { Knex } from 'knex';

// A plan the vendor no longer sells is retired, not deleted: subscriptions on it keep it,
// but it is not renewed (by hand or automatically) until the partner moves to another plan.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('plans', (t) => {
    t.timestamp('retired_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('plans', (t) => t.dropColumn('retired_at'));
}
