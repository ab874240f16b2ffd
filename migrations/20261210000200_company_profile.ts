import type { Knex } from 'knex';

// The partner's company profile (issue 17): a primary contact, an address and phone, the
// support email customers are shown, and a logo (PNG or JPEG re-encoded on upload, kept here
// so every app instance serves the same bytes and the database's backups hold it).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('partners', (t) => {
    t.text('contact_name');
    t.text('contact_email');
    t.text('address');
    t.text('phone');
    t.text('support_email');
    t.binary('logo');
    t.text('logo_content_type');
    t.timestamp('logo_updated_at', { useTz: true });
  });
  await knex.raw(`ALTER TABLE partners ADD CONSTRAINT partners_logo_type_check CHECK (logo_content_type IN ('image/png', 'image/jpeg'))`);
  await knex.raw(`ALTER TABLE partners ADD CONSTRAINT partners_logo_whole_check CHECK ((logo IS NULL) = (logo_content_type IS NULL))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('partners', (t) => {
    for (const column of ['contact_name', 'contact_email', 'address', 'phone', 'support_email', 'logo', 'logo_content_type', 'logo_updated_at']) t.dropColumn(column);
  });
}
