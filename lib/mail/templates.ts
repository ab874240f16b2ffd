import path from 'node:path';
import type { Config } from '../boot/config.ts';
import { EMAIL_TEMPLATES, type EmailTemplate } from '../../models/outbox.ts';
import * as format from '../views/format.ts';
import { renderTemplate, viewsDirectory } from '../views/templates.ts';

// Each email is a folder in views/emails/ with subject.ejs, html.ejs and text.ejs, all
// rendered from the same data, with the brand and the app's address.

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

const emailsDirectory = path.join(viewsDirectory, 'emails');

// What each email's templates read from its data (besides the brand and `format`, given
// here). An email missing one of them is never rendered, so never sent: a reset email
// without its link must not go out. A test holds this list to the templates' first lines.
export const EMAIL_DATA: Record<EmailTemplate, readonly string[]> = {
  'registration-invitation': [
    'accountName',
    'partnerName',
    'partnerLogo',
    'partnerSupportEmail',
    'partnerPhone',
    'productName',
    'planName',
    'registrationUrl',
    'expiresAt',
    'downloadUrlWindows',
    'downloadUrlMac',
    'keyCode',
  ],
  'password-reset': ['name', 'resetUrl', 'expiresAt'],
  'weekly-digest': ['name', 'partnerName', 'week', 'figures', 'attention', 'overviewUrl'],
  'partner-invitation': ['partnerName', 'invitedByName', 'roleLabel', 'acceptUrl', 'expiresAt'],
  'partner-email-change': ['name', 'newEmail', 'confirmUrl', 'expiresAt'],
  'order-confirmation': ['orderNumber', 'kindLabel', 'placedAt', 'placedByName', 'partnerName', 'lines', 'moreLines', 'total', 'receiptUrl'],
  'auto-renew-refused': ['accountName', 'productName', 'planName', 'endsOn', 'dashboardUrl'],
  'account-released': ['accountName', 'partnerName', 'productName', 'planName', 'endsOn', 'portalUrl'],
  'partner-request': ['partnerName', 'accountName', 'portalUrl', 'expiresAt'],
  'partner-request-answered': ['name', 'customerEmail', 'accountName', 'answer', 'requestWords', 'linkUrl'],
  'administration-request': ['partnerName', 'accountName', 'portalUrl', 'expiresAt'],
  'not-backing-up-alert': ['name', 'partnerName', 'days', 'count', 'accounts', 'notBackingUpUrl'],
  'expiry-reminder': ['name', 'partnerName', 'count', 'groups', 'expiringUrl', 'trialsEndingUrl'],
};

// Data an email gained while emails of its kind waited in the outbox, with what those read
// instead: they still render and are sent rather than failing until they are given up.
const DATA_ADDED_LATER: Partial<Record<EmailTemplate, Record<string, unknown>>> = {
  // Confirmations queued before CONFIRMATION_LINE_LIMIT listed every line.
  'order-confirmation': { moreLines: 0 },
};

// Subject and plain text are not HTML: what they are given is printed as it is.
const asIs = (value: unknown) => (value == null ? '' : String(value));

function isEmailTemplate(name: string): name is EmailTemplate {
  return (EMAIL_TEMPLATES as readonly string[]).includes(name);
}

// Links in an email are only ever web addresses; anything else is a bug, not a link.
function checkLinks(data: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(data)) {
    if (!/Url$/.test(key)) continue;
    const protocol = typeof value === 'string' && URL.canParse(value) ? new URL(value).protocol : '';
    if (protocol !== 'https:' && protocol !== 'http:') throw new Error(`Email data ${key} is not a web address`);
  }
}

export async function renderEmail(
  template: string,
  data: Record<string, unknown>,
  context: Pick<Config, 'brandName' | 'appUrl'>,
): Promise<RenderedEmail> {
  if (!isEmailTemplate(template)) throw new Error(`Unknown email template "${template}"`);
  const given = { ...DATA_ADDED_LATER[template], ...data };
  const missing = EMAIL_DATA[template].filter((name) => given[name] === undefined || given[name] === null);
  if (missing.length) throw new Error(`Email ${template}: no value for ${missing.map((name) => `"${name}"`).join(', ')}`);
  checkLinks(given);
  const locals = { ...given, brandName: context.brandName, appUrl: context.appUrl, format };
  const file = (part: string) => path.join(emailsDirectory, template, `${part}.ejs`);
  const [subject, html, text] = await Promise.all([
    renderTemplate(file('subject'), locals, { escape: asIs }),
    renderTemplate(file('html'), locals),
    renderTemplate(file('text'), locals, { escape: asIs }),
  ]);
  return {
    // One line: a line break in a header would start another header.
    subject: subject.replace(/\s+/g, ' ').trim(),
    html: html.trim() + '\n',
    text:
      text
        .replace(/[ \t]+$/gm, '')
        .replace(/\n{3,}/g, '\n\n')
        .trim() + '\n',
  };
}
