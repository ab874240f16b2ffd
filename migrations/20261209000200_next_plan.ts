import type { Knex } from 'knex';

// A downgrade is not immediate (issue 15): the lower plan is kept for the next term, and a
// renewal (by hand or automatic) moves the subscription to it.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('subscriptions', (t) => {
    t.text('next_plan_id').references('plans.id');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('subscriptions', (t) => t.dropColumn('next_plan_id'));
}
