import path from 'node:path';
import type { Config } from '../boot/config.ts';
import { EMAIL_TEMPLATES, type EmailTemplate } from '../../models/outbox.ts';
import { projectRoot } from '../boot/projectRoot.ts';
import * as format from '../views/format.ts';
import { renderTemplate } from '../views/templates.ts';

// Each email is a folder in views/emails/ with subject.ejs, html.ejs and text.ejs, all
// rendered from the same data, with the brand and the app's address.

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

const emailsDirectory = path.join(projectRoot, 'views', 'emails');

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
  checkLinks(data);
  const locals = { ...data, brandName: context.brandName, appUrl: context.appUrl, format };
  const file = (part: string) => path.join(emailsDirectory, template, `${part}.ejs`);
  const options = { root: emailsDirectory, requireAll: true };
  const subject = renderTemplate(file('subject'), locals, { ...options, escape: asIs });
  const html = renderTemplate(file('html'), locals, options);
  const text = renderTemplate(file('text'), locals, { ...options, escape: asIs });
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
