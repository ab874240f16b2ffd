import type { Knex } from 'knex';

// Direct accounts (issue 16): a customer account that belongs to no partner, because the
// customer bought from the vendor itself (npm run create-customer) or a partner released it.
// Every partner-scoped query filters partner_id = ?, which NULL never matches.
// - subscriptions.partner_id follows its account's, whoever writes (a trigger), so a
//   release cannot leave a subscription behind in the partner's queries;
// - accounts_version moves for both the partner an account leaves and the one it joins
//   (the Accounts tab's cached counts of each), keeping the health-only exemption;
// - a customer created by the operator has no security questions yet: they choose them at
//   their first Portal sign-in, so the two questions are set together or not at all.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE customer_accounts ALTER COLUMN partner_id DROP NOT NULL');
  await knex.raw('ALTER TABLE subscriptions ALTER COLUMN partner_id DROP NOT NULL');

  await knex.raw(`
    CREATE FUNCTION subscriptions_follow_account_partner() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE subscriptions SET partner_id = NEW.partner_id
       WHERE customer_account_id = NEW.id AND partner_id IS DISTINCT FROM NEW.partner_id;
      RETURN NULL;
    END $$`);
  await knex.raw(`
    CREATE TRIGGER customer_accounts_partner_to_subscription AFTER UPDATE OF partner_id ON customer_accounts
    FOR EACH ROW WHEN (OLD.partner_id IS DISTINCT FROM NEW.partner_id)
    EXECUTE FUNCTION subscriptions_follow_account_partner()`);

  await knex.raw(`
    CREATE OR REPLACE FUNCTION partners_bump_accounts_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND (to_jsonb(OLD) - '{computers,oldest_backup_at,waiting_since,backup_sort_at,health_seq}'::text[])
                            = (to_jsonb(NEW) - '{computers,oldest_backup_at,waiting_since,backup_sort_at,health_seq}'::text[]) THEN
        RETURN NULL;
      END IF;
      IF TG_OP = 'UPDATE' AND OLD.partner_id IS DISTINCT FROM NEW.partner_id THEN
        UPDATE partners SET accounts_version = accounts_version + 1 WHERE id IN (OLD.partner_id, NEW.partner_id);
        RETURN NULL;
      END IF;
      UPDATE partners SET accounts_version = accounts_version + 1
      WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.partner_id ELSE NEW.partner_id END;
      RETURN NULL;
    END $$`);

  for (const column of ['security_question_1_id', 'security_answer_1_hash', 'security_question_2_id', 'security_answer_2_hash']) {
    await knex.raw(`ALTER TABLE customer_users ALTER COLUMN ${column} DROP NOT NULL`);
  }
  await knex.raw(`
    ALTER TABLE customer_users ADD CONSTRAINT customer_users_questions_together CHECK (
      (security_question_1_id IS NULL) = (security_answer_1_hash IS NULL)
      AND (security_question_1_id IS NULL) = (security_question_2_id IS NULL)
      AND (security_question_1_id IS NULL) = (security_answer_2_hash IS NULL))`);
}

// Down refuses while direct accounts or customers without questions exist: it would have to delete them.
export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE customer_users DROP CONSTRAINT customer_users_questions_together');
  for (const column of ['security_question_1_id', 'security_answer_1_hash', 'security_question_2_id', 'security_answer_2_hash']) {
    await knex.raw(`ALTER TABLE customer_users ALTER COLUMN ${column} SET NOT NULL`);
  }
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
  await knex.raw('DROP TRIGGER customer_accounts_partner_to_subscription ON customer_accounts');
  await knex.raw('DROP FUNCTION subscriptions_follow_account_partner()');
  await knex.raw('ALTER TABLE subscriptions ALTER COLUMN partner_id SET NOT NULL');
  await knex.raw('ALTER TABLE customer_accounts ALTER COLUMN partner_id SET NOT NULL');
}
