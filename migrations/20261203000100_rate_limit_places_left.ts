import type { Knex } from 'knex';

// rate_limit_take also answers how many places are left after the one it took, so a caller
// can act on the last one (five wrong answers spend a reset link at the fifth, not the sixth).
export async function up(knex: Knex): Promise<void> {
  await knex.raw('DROP FUNCTION rate_limit_take(text, text, int, int)');
  await knex.raw(`
    CREATE FUNCTION rate_limit_take(p_bucket text, p_key text, p_max int, p_window_seconds int)
    RETURNS TABLE (hit_id bigint, retry_after_seconds int, places_left int) LANGUAGE plpgsql AS $$
    DECLARE
      v_hits int;
      v_oldest timestamptz;
    BEGIN
      PERFORM pg_advisory_xact_lock(hashtextextended(p_bucket || E'\\n' || p_key, 0));
      SELECT count(*), min(h.hit_at) INTO v_hits, v_oldest
        FROM rate_limit_hits h
        WHERE h.bucket = p_bucket AND h.key = p_key
          AND h.hit_at > clock_timestamp() - make_interval(secs => p_window_seconds);
      IF v_hits >= p_max THEN
        -- The window slides: a place frees when the oldest hit in it ages out.
        RETURN QUERY SELECT NULL::bigint,
          GREATEST(1, ceil(extract(epoch FROM v_oldest + make_interval(secs => p_window_seconds) - clock_timestamp())))::int,
          0;
        RETURN;
      END IF;
      RETURN QUERY INSERT INTO rate_limit_hits AS h (bucket, key, hit_at) VALUES (p_bucket, p_key, clock_timestamp())
        RETURNING h.id, 0, p_max - v_hits - 1;
    END $$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP FUNCTION rate_limit_take(text, text, int, int)');
  await knex.raw(`
    CREATE FUNCTION rate_limit_take(p_bucket text, p_key text, p_max int, p_window_seconds int)
    RETURNS TABLE (hit_id bigint, retry_after_seconds int) LANGUAGE plpgsql AS $$
    DECLARE
      v_hits int;
      v_oldest timestamptz;
    BEGIN
      PERFORM pg_advisory_xact_lock(hashtextextended(p_bucket || E'\\n' || p_key, 0));
      SELECT count(*), min(h.hit_at) INTO v_hits, v_oldest
        FROM rate_limit_hits h
        WHERE h.bucket = p_bucket AND h.key = p_key
          AND h.hit_at > clock_timestamp() - make_interval(secs => p_window_seconds);
      IF v_hits >= p_max THEN
        RETURN QUERY SELECT NULL::bigint,
          GREATEST(1, ceil(extract(epoch FROM v_oldest + make_interval(secs => p_window_seconds) - clock_timestamp())))::int;
        RETURN;
      END IF;
      RETURN QUERY INSERT INTO rate_limit_hits AS h (bucket, key, hit_at) VALUES (p_bucket, p_key, clock_timestamp())
        RETURNING h.id, 0;
    END $$`);
}
