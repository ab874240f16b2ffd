import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { EMAIL_DATA, renderEmail } from '../../lib/mail/templates.ts';
import { viewsDirectory } from '../../lib/views/templates.ts';

const context = { brandName: 'Northstar Backup', appUrl: 'https://portal.example.com' };

const invitation = {
  accountName: 'Ada & Sons "Ltd" <b>',
  partnerName: 'Acme IT',
  partnerLogo: 'https://portal.example.com/logos/partners/7?v=1',
  partnerSupportEmail: 'help@acme.example',
  partnerPhone: '+1 555 010 0199',
  productName: 'Safe Backup Pro',
  planName: 'Core',
  keyCode: 'ABCD-EFGH-JKLM-NPQR',
  registrationUrl: 'https://portal.example.com/register/abc123?x=1&y=2',
  expiresAt: '2026-12-10T14:05:00.000Z',
  downloadUrlWindows: 'https://downloads.example.com/win.exe',
  downloadUrlMac: 'https://downloads.example.com/mac.dmg',
};

describe('email templates', () => {
  it('shows the partner’s logo and how to reach them in the registration email, and neither when the partner has none', async () => {
    const branded = await renderEmail('registration-invitation', invitation, context);
    expect(branded.html).to.include('<img src="https://portal.example.com/logos/partners/7?v=1" alt="Acme IT"');
    expect(branded.html).to.include('<a href="mailto:help@acme.example"');
    expect(branded.text).to.include('Questions? Your subscription is managed by Acme IT: help@acme.example or +1 555 010 0199.');
    const plain = await renderEmail('registration-invitation', { ...invitation, partnerLogo: '', partnerSupportEmail: '', partnerPhone: '' }, context);
    expect(plain.html).not.to.include('<img');
    expect(plain.text).not.to.include('Questions?');
  });

  it('renders the registration email with the brand, the Complete registration link, the downloads and the key code in both parts', async () => {
    const email = await renderEmail('registration-invitation', invitation, context);
    expect(email.subject).to.equal('Complete your Northstar Backup account registration');

    expect(email.html).to.include('href="https://portal.example.com/register/abc123?x=1&amp;y=2"');
    expect(email.html).to.match(/>Complete registration<\/a>/);
    expect(email.html).to.include('Install Northstar Backup');
    expect(email.html).to.include('href="https://downloads.example.com/win.exe"');
    expect(email.html).to.include('href="https://downloads.example.com/mac.dmg"');
    expect(email.html).to.include('ABCD-EFGH-JKLM-NPQR');
    expect(email.html).to.include('10 December 2026 at 14:05 UTC');
    // The only image is the partner's logo, when they have one (above).
    expect(email.html).not.to.match(/<table|<script/i);

    expect(email.text).to.include('Complete registration:\nhttps://portal.example.com/register/abc123?x=1&y=2\n');
    expect(email.text).to.include('INSTALL NORTHSTAR BACKUP');
    expect(email.text).to.include('for Windows: https://downloads.example.com/win.exe');
    expect(email.text).to.include('for Mac: https://downloads.example.com/mac.dmg');
    expect(email.text).to.include('   ABCD-EFGH-JKLM-NPQR\n');
    expect(email.text).to.include('10 December 2026 at 14:05 UTC');
  });

  it('escapes everything it is given in the HTML part, and prints it as it is in the subject and the text part', async () => {
    const email = await renderEmail('registration-invitation', invitation, context);
    expect(email.html).to.include('Hello Ada &amp; Sons &#34;Ltd&#34; &lt;b&gt;,');
    expect(email.html).not.to.include('<b>');
    expect(email.text).to.include('Hello Ada & Sons "Ltd" <b>,');
  });

  it('renders the password reset email with its link in both parts', async () => {
    const resetUrl = 'https://portal.example.com/portal/reset-password/tok';
    const email = await renderEmail('password-reset', { name: 'Robin', resetUrl, expiresAt: '2026-12-01T08:00:00.000Z' }, context);
    expect(email.subject).to.equal('Reset your Northstar Backup password');
    expect(email.html).to.include(`href="${resetUrl}"`);
    expect(email.text).to.include(`Reset your password:\n${resetUrl}\n`);
    expect(email.text).to.include('1 December 2026 at 08:00 UTC');
  });

  describe('the order confirmation', () => {
    const line = { customerName: 'Harbor Dental', productName: 'Safe Backup Pro', planName: 'Core', computers: 3, period: '1 year, 1 December 2026 to 30 November 2027', unitPrice: '$287.99', amount: '$863.97' };
    const confirmation = {
      orderNumber: 42,
      kindLabel: 'Purchase',
      placedAt: '2026-12-01T08:00:00.000Z',
      placedByName: 'Pat Partner',
      partnerName: 'Acme IT',
      lines: [line],
      moreLines: 0,
      total: '$863.97',
      receiptUrl: 'https://portal.example.com/partner/orders/42',
    };

    it('counts the lines it does not list, behind the receipt link, in both parts', async () => {
      const email = await renderEmail('order-confirmation', { ...confirmation, moreLines: 4950, total: '$1,425,550.00' }, context);
      expect(email.text).to.include('... and 4,950 more lines: the receipt lists them all.\n  https://portal.example.com/partner/orders/42\n');
      expect(email.text).to.include('Total: $1,425,550.00');
      expect(email.html).to.include('… and 4,950 more lines: <a href="https://portal.example.com/partner/orders/42" style="color:#0b5cad;">the receipt lists them all</a>.');
      expect((await renderEmail('order-confirmation', { ...confirmation, moreLines: 1 }, context)).text).to.include('... and 1 more line: the receipt lists them all.');
    });

    it('says nothing of more lines when it lists them all, as does one queued before it could count them', async () => {
      const email = await renderEmail('order-confirmation', confirmation, context);
      expect(email.text).to.include('- Harbor Dental: Safe Backup Pro, Core plan, 3 computers');
      expect(email.text + email.html).not.to.include('more line');
      const { moreLines: _, ...queuedBefore } = confirmation;
      expect(await renderEmail('order-confirmation', queuedBefore, context)).to.deep.equal(email);
    });
  });

  it('keeps the subject on one line whatever the data holds', async () => {
    const email = await renderEmail('password-reset', { name: 'x', resetUrl: 'https://a.example/r', expiresAt: '2026-12-01T08:00:00Z' }, { ...context, brandName: 'Two\r\nLines' });
    expect(email.subject).to.equal('Reset your Two Lines password');
  });

  it('refuses a link that is not a web address, and a template that does not exist', async () => {
    let error: unknown;
    await renderEmail('registration-invitation', { ...invitation, registrationUrl: 'javascript:alert(1)' }, context).catch((e) => (error = e));
    expect(String(error)).to.match(/registrationUrl is not a web address/);
    error = undefined;
    await renderEmail('../../layout', {}, context).catch((e) => (error = e));
    expect(String(error)).to.match(/Unknown email template/);
  });

  it('fails rather than sending an email with a missing link', async () => {
    let error: unknown;
    await renderEmail('password-reset', { name: 'x', expiresAt: '2026-12-01T08:00:00Z' }, context).catch((e) => (error = e));
    expect(String(error)).to.match(/no value for "resetUrl"/);
  });

  it('requires exactly the data its templates declare on their first line, besides the brand and format', () => {
    for (const [template, required] of Object.entries(EMAIL_DATA)) {
      const declared = new Set<string>();
      for (const part of ['subject', 'html', 'text']) {
        const text = fs.readFileSync(path.join(viewsDirectory, 'emails', template, `${part}.ejs`), 'utf8');
        const names = /^<% const \{ (.*) \} = locals; -%>\n/.exec(text)?.[1].split(', ') ?? [];
        for (const name of names) declared.add(name);
      }
      expect([...declared].filter((name) => name !== 'brandName' && name !== 'format'), template).to.have.members([...required]);
    }
  });
});
