import type { Knex } from 'knex';

// Backup health (issue 18). Each account carries a summary of its computers, kept by a
// trigger on installations whoever writes: how many there are, the oldest last backup among
// those that have one, and the earliest activation among those still waiting for a first
// backup. No state is stored: the thresholds are the partner's (partners.overdue_days,
// partners.not_backing_up_days) and time moves, so the list, its filters and counts compare
// these times with now and the partner's thresholds in the query (models/accounts/health.ts).
// An account's health_seq moves (from one sequence) whenever its summary changes, so a cache
// of a partner's health counts can tell it is stale by reading one index entry.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('partners', (t) => {
    t.integer('overdue_days').notNullable().defaultTo(3);
    t.integer('not_backing_up_days').notNullable().defaultTo(7);
  });
  await knex.raw(
    'ALTER TABLE partners ADD CONSTRAINT partners_backup_thresholds_check CHECK (overdue_days BETWEEN 1 AND 90 AND not_backing_up_days BETWEEN 2 AND 365 AND overdue_days < not_backing_up_days)',
  );

  await knex.schema.alterTable('customer_accounts', (t) => {
    t.integer('computers').notNullable().defaultTo(0);
    t.timestamp('oldest_backup_at', { useTz: true });
    t.timestamp('waiting_since', { useTz: true });
    // "Last backup, oldest first": a computer never backed up counts from its activation;
    // an account with no computers sorts last. In whole milliseconds, as a page's cursor holds it.
    t.timestamp('backup_sort_at', { useTz: true }).notNullable().defaultTo(knex.raw(`'infinity'`));
    t.bigInteger('health_seq').notNullable().defaultTo(0);
  });
  await knex.raw('CREATE SEQUENCE customer_accounts_health_seq');

  await knex.raw(`
    CREATE FUNCTION customer_accounts_refresh_backup_health(account_id bigint) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE customer_accounts a
         SET computers = x.computers, oldest_backup_at = x.oldest, waiting_since = x.waiting,
             backup_sort_at = COALESCE(date_trunc('milliseconds', x.sort_at), 'infinity'), health_seq = nextval('customer_accounts_health_seq')
        FROM (SELECT count(i.id)::int AS computers,
                     min(i.last_backup_at) AS oldest,
                     min(i.activated_at) FILTER (WHERE i.last_backup_at IS NULL) AS waiting,
                     min(COALESCE(i.last_backup_at, i.activated_at)) AS sort_at
                FROM subscriptions s JOIN installations i ON i.subscription_id = s.id
               WHERE s.customer_account_id = account_id) x
       WHERE a.id = account_id
         AND (a.computers, a.oldest_backup_at, a.waiting_since) IS DISTINCT FROM (x.computers, x.oldest, x.waiting);
    END $$`);
  await knex.raw(`
    CREATE FUNCTION installations_refresh_account_health() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP <> 'INSERT' THEN
        PERFORM customer_accounts_refresh_backup_health(s.customer_account_id) FROM subscriptions s WHERE s.id = OLD.subscription_id;
      END IF;
      IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.subscription_id <> OLD.subscription_id) THEN
        PERFORM customer_accounts_refresh_backup_health(s.customer_account_id) FROM subscriptions s WHERE s.id = NEW.subscription_id;
      END IF;
      RETURN NULL;
    END $$`);
  await knex.raw(`
    CREATE TRIGGER installations_refresh_account_health
    AFTER INSERT OR DELETE OR UPDATE OF last_backup_at, activated_at, subscription_id ON installations
    FOR EACH ROW EXECUTE FUNCTION installations_refresh_account_health()`);

  // The whole table at once, for this migration and for bulk loads that ran with triggers off (bench/data.ts).
  await knex.raw(`
    CREATE FUNCTION customer_accounts_fill_backup_health() RETURNS void LANGUAGE sql AS $$
      UPDATE customer_accounts a
         SET computers = x.computers, oldest_backup_at = x.oldest, waiting_since = x.waiting,
             backup_sort_at = COALESCE(date_trunc('milliseconds', x.sort_at), 'infinity'), health_seq = nextval('customer_accounts_health_seq')
        FROM (SELECT s.customer_account_id, count(i.id)::int AS computers,
                     min(i.last_backup_at) AS oldest,
                     min(i.activated_at) FILTER (WHERE i.id IS NOT NULL AND i.last_backup_at IS NULL) AS waiting,
                     min(COALESCE(i.last_backup_at, i.activated_at)) AS sort_at
                FROM subscriptions s LEFT JOIN installations i ON i.subscription_id = s.id
               GROUP BY s.customer_account_id) x
       WHERE a.id = x.customer_account_id
         AND (a.computers, a.oldest_backup_at, a.waiting_since) IS DISTINCT FROM (x.computers, x.oldest, x.waiting)
    $$`);

  // A backup moves only the health columns: that is no reason to recount the Accounts tab's
  // statuses (the counts cache follows accounts_version). Any other change still moves it.
  await knex.raw(`
    CREATE OR REPLACE FUNCTION partners_bump_accounts_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND (to_jsonb(OLD) - '{computers,oldest_backup_at,waiting_since,backup_sort_at,health_seq}'::text[])
                            = (to_jsonb(NEW) - '{computers,oldest_backup_at,waiting_since,backup_sort_at,health_seq}'::text[]) THEN
        RETURN NULL;
      END IF;
      UPDATE partners SET accounts_version = accounts_version + 1
      WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.partner_id ELSE NEW.partner_id END;
      RETURN NULL;
    END $$`);

  await knex.raw('SELECT customer_accounts_fill_backup_health()');

  // Not backing up and Overdue are ranges of oldest_backup_at; the counts per health read this
  // index alone (the other filters' columns are included); the Overview's worst accounts are its first rows.
  await knex.raw(`
    CREATE INDEX customer_accounts_partner_oldest_backup_idx ON customer_accounts
    (partner_id, oldest_backup_at, id) INCLUDE (waiting_since, computers, product_id, administrator)`);
  await knex.raw('CREATE INDEX customer_accounts_partner_waiting_idx ON customer_accounts (partner_id, waiting_since, id) WHERE waiting_since IS NOT NULL');
  // Sort by last backup, oldest first, with keyset pages on (backup_sort_at, id).
  await knex.raw('CREATE INDEX customer_accounts_partner_backup_sort_idx ON customer_accounts (partner_id, backup_sort_at, id)');
  // The newest health change of a partner's accounts: one index entry says whether cached health counts still hold.
  await knex.raw('CREATE INDEX customer_accounts_partner_health_seq_idx ON customer_accounts (partner_id, health_seq)');

  // The weekly digest: opted in per partner user (NULL: the default, on for the owner only),
  // and one row per user per ISO week, taken before the email is queued, so two workers or a
  // rerun never send a second one.
  await knex.schema.alterTable('partner_users', (t) => {
    t.boolean('weekly_digest');
  });
  await knex.schema.createTable('weekly_digests', (t) => {
    t.bigInteger('partner_user_id').notNullable().references('partner_users.id').onDelete('CASCADE');
    t.text('iso_week').notNullable(); // 2026-W49
    t.bigInteger('partner_id').notNullable().references('partners.id').onDelete('CASCADE');
    t.text('outcome').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['partner_user_id', 'iso_week']);
  });
  await knex.raw(`ALTER TABLE weekly_digests ADD CONSTRAINT weekly_digests_outcome_check CHECK (outcome IN ('queued', 'nothing_to_report'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('weekly_digests');
  await knex.schema.alterTable('partner_users', (t) => {
    t.dropColumn('weekly_digest');
  });
  await knex.raw(`
    CREATE OR REPLACE FUNCTION partners_bump_accounts_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE partners SET accounts_version = accounts_version + 1
      WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.partner_id ELSE NEW.partner_id END;
      RETURN NULL;
    END $$`);
  await knex.raw('DROP TRIGGER installations_refresh_account_health ON installations');
  await knex.raw('DROP FUNCTION installations_refresh_account_health()');
  await knex.raw('DROP FUNCTION customer_accounts_refresh_backup_health(bigint)');
  await knex.raw('DROP FUNCTION customer_accounts_fill_backup_health()');
  await knex.schema.alterTable('customer_accounts', (t) => {
    for (const column of ['health_seq', 'backup_sort_at', 'waiting_since', 'oldest_backup_at', 'computers']) t.dropColumn(column);
  });
  await knex.raw('DROP SEQUENCE customer_accounts_health_seq');
  await knex.raw('ALTER TABLE partners DROP CONSTRAINT partners_backup_thresholds_check');
  await knex.schema.alterTable('partners', (t) => {
    t.dropColumn('not_backing_up_days');
    t.dropColumn('overdue_days');
  });
}
