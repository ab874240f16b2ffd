import type { Knex } from 'knex';

// The registration email now carries the partner's logo and support contact (issue 17): an
// email queued before this change gets them empty, so it still renders and is sent.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    UPDATE outbox_emails
       SET data = data || '{"partnerLogo": "", "partnerSupportEmail": "", "partnerPhone": ""}'::jsonb
     WHERE template = 'registration-invitation' AND NOT jsonb_exists(data, 'partnerLogo')`);
}

export async function down(): Promise<void> {
  // The extra keys are harmless to the older templates.
}
