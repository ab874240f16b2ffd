import type { Knex } from 'knex';

// No live secret at rest: an email that will never be sent again keeps only what the
// partner's pages read. Rows sent through SMTP (they have a message id), refused or given up
// drop their data (the registration or reset link, the key code) and rendered parts; rows
// the developer mailbox keeps (sent without a message id) stay whole. The audit trail of a
// purchase no longer carries the key code either.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    UPDATE outbox_emails
       SET data = '{}', subject = NULL, html = NULL, text = NULL
     WHERE (status = 'sent' AND smtp_message_id IS NOT NULL) OR status IN ('failed', 'dead')`);
  await knex.raw(`UPDATE audit_events SET details = details - 'keyCode' WHERE details -> 'keyCode' IS NOT NULL`);
}

// What was dropped is gone; there is nothing to put back.
export async function down(): Promise<void> {}
