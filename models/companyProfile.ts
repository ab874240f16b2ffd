// The partner's company profile (owner and administrators): name, primary contact, address,
// phone, support email and logo; scoped to the partner in every function, each change in the
// Activity. The logo is also read without a session (emails, the wizard, the customer Portal).
import type { Knex } from 'knex';
import type { SessionUser } from '../lib/auth/passport.ts';
import { paths } from '../lib/paths.ts';
import { recordAudit } from './audit.ts';

export interface CompanyDetails {
  name: string;
  contactName: string;
  contactEmail: string;
  address: string;
  phone: string;
  supportEmail: string;
}

export interface CompanyProfile extends CompanyDetails {
  logoUpdatedAt: Date | null;
}

const COLUMNS: Record<keyof CompanyDetails, string> = {
  name: 'name',
  contactName: 'contact_name',
  contactEmail: 'contact_email',
  address: 'address',
  phone: 'phone',
  supportEmail: 'support_email',
};

export async function findCompanyProfile(db: Knex, partnerId: number): Promise<CompanyProfile> {
  const row = await db('partners').where({ id: partnerId }).first('name', 'contact_name', 'contact_email', 'address', 'phone', 'support_email', 'logo_updated_at');
  return {
    name: row.name,
    contactName: row.contact_name ?? '',
    contactEmail: row.contact_email ?? '',
    address: row.address ?? '',
    phone: row.phone ?? '',
    supportEmail: row.support_email ?? '',
    logoUpdatedAt: row.logo_updated_at ?? null,
  };
}

// Saves the details; the Activity lists the fields that changed.
export async function saveCompanyDetails(db: Knex, user: SessionUser, details: CompanyDetails, address?: string): Promise<void> {
  await db.transaction(async (trx) => {
    const before = await findCompanyProfile(trx as unknown as Knex, user.partnerId);
    const changed = (Object.keys(COLUMNS) as (keyof CompanyDetails)[]).filter((key) => before[key] !== details[key]);
    if (changed.length === 0) return;
    const update = Object.fromEntries(changed.map((key) => [COLUMNS[key], details[key] === '' ? null : details[key]]));
    await trx('partners').where({ id: user.partnerId }).update(update);
    await recordAudit(trx, { type: 'user', user }, { partnerId: user.partnerId, action: 'partner.company_profile_changed', address, details: { fields: changed, name: details.name } });
  });
}

export async function saveCompanyLogo(db: Knex, user: SessionUser, logo: { bytes: Buffer; contentType: 'image/png' | 'image/jpeg'; width: number; height: number }, address?: string): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('partners').where({ id: user.partnerId }).update({ logo: logo.bytes, logo_content_type: logo.contentType, logo_updated_at: trx.fn.now() });
    await recordAudit(trx, { type: 'user', user }, {
      partnerId: user.partnerId,
      action: 'partner.logo_changed',
      address,
      details: { contentType: logo.contentType, bytes: logo.bytes.length, width: logo.width, height: logo.height },
    });
  });
}

export async function removeCompanyLogo(db: Knex, user: SessionUser, address?: string): Promise<void> {
  await db.transaction(async (trx) => {
    const removed = await trx('partners').where({ id: user.partnerId }).whereNotNull('logo').update({ logo: null, logo_content_type: null, logo_updated_at: null });
    if (removed) await recordAudit(trx, { type: 'user', user }, { partnerId: user.partnerId, action: 'partner.logo_removed', address });
  });
}

export async function findCompanyLogo(db: Knex, partnerId: number): Promise<{ bytes: Buffer; contentType: string; updatedAt: Date } | undefined> {
  const row = await db('partners').where({ id: partnerId }).whereNotNull('logo').first('logo', 'logo_content_type', 'logo_updated_at');
  return row ? { bytes: row.logo, contentType: row.logo_content_type, updatedAt: row.logo_updated_at } : undefined;
}

// What a partner's customers are shown of them: name, logo and how to reach them (the
// registration email, the registration wizard, the customer Portal).
export interface PartnerBrand {
  name: string;
  logoPath?: string;
  supportEmail?: string;
  phone?: string;
}

export async function findPartnerBrand(db: Knex | Knex.Transaction, partnerId: number | null | undefined): Promise<PartnerBrand | undefined> {
  if (!partnerId) return undefined;
  const row = await db('partners').where({ id: partnerId }).first('name', 'support_email', 'phone', 'logo_updated_at');
  if (!row) return undefined;
  return {
    name: row.name,
    logoPath: row.logo_updated_at ? paths.partnerLogo(partnerId, row.logo_updated_at.getTime()) : undefined,
    supportEmail: row.support_email ?? undefined,
    phone: row.phone ?? undefined,
  };
}
