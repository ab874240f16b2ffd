// Issue 17, part 4 (partner branding): the partner's name, logo and support contact on the
// customer's registration email, every step of the registration wizard and the customer
// Portal ("Your subscription is managed by ..."); nothing of the kind for a partner without them.
import { expect } from 'chai';
import sharp from 'sharp';
import supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { renderEmail } from '../../lib/mail/templates.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, submitForm, TEST_PASSWORD, type TestApp, type TestPartner } from '../support/app.ts';
import { latestRegistrationUrl, partnerSessionUser, purchaseFor } from '../support/fixtures.ts';
import { saveCompanyDetails, saveCompanyLogo } from '../../models/companyProfile.ts';
import { completeRegistration } from '../../models/registration.ts';

const db = () => testDatabase().db;

async function registrationEmailData(accountId: number) {
  const row = await db()('outbox_emails').where({ template: 'registration-invitation', customer_account_id: accountId }).orderBy('id', 'desc').first('data');
  return row.data;
}

describe('partner branding on the customer’s email, wizard and Portal', () => {
  let t: TestApp;
  let branded: TestPartner;
  let logoPath: string;

  before(async () => {
    t = buildTestApp();
    branded = await createTestPartner('Northwind IT Services');
    const owner = partnerSessionUser(branded);
    await saveCompanyDetails(db(), owner, { name: 'Northwind IT Services', contactName: '', contactEmail: '', address: '', phone: '+1 555 010 0199', supportEmail: 'help@northwind.example' });
    const png = await sharp({ create: { width: 200, height: 60, channels: 3, background: '#123456' } }).png().toBuffer();
    await saveCompanyLogo(db(), owner, { bytes: png, contentType: 'image/png', width: 200, height: 60 });
    const row = await db()('partners').where({ id: branded.partnerId }).first('logo_updated_at');
    logoPath = paths.partnerLogo(branded.partnerId, row.logo_updated_at.getTime());
  });
  after(() => t.close());

  it('puts the partner’s name, logo (served to anyone) and support contact in the registration email', async () => {
    const account = await purchaseFor(branded, { customerName: 'Fjord Studio' });
    const data = await registrationEmailData(account.accountId);
    expect(data).to.include({ partnerName: 'Northwind IT Services', partnerLogo: `${t.config.appUrl}${logoPath}`, partnerSupportEmail: 'help@northwind.example', partnerPhone: '+1 555 010 0199' });
    const email = await renderEmail('registration-invitation', data, { brandName: t.config.brandName, appUrl: t.config.appUrl });
    expect(email.html).to.include(`<img src="${t.config.appUrl}${logoPath.replace(/&/g, '&amp;')}" alt="Northwind IT Services"`);
    expect(email.text).to.include('Your subscription is managed by Northwind IT Services: help@northwind.example or +1 555 010 0199.');
    const logo = await supertest(t.app).get(logoPath).expect(200);
    expect(logo.headers['content-type']).to.equal('image/png');
  });

  it('shows who manages the subscription on the registration wizard’s step', async () => {
    const account = await purchaseFor(branded, { customerName: 'Fjord Pro', productId: 'safe-backup-pro', planId: 'sbp-core', computers: 2 });
    const agent = supertest.agent(t.app);
    const start = await agent.get(new URL(await latestRegistrationUrl(account.accountId)).pathname);
    expect(start.status).to.equal(303);
    const step = await agent.get(start.headers.location).expect(200);
    expect(step.text).to.include('Your subscription is managed by <strong>Northwind IT Services</strong>.');
    expect(step.text).to.include(`<img class="company-logo" src="${logoPath.replace(/&/g, '&amp;')}" alt="Northwind IT Services logo">`);
    expect(step.text).to.include('<a href="mailto:help@northwind.example">help@northwind.example</a>');
    expect(step.text).to.include('<a href="tel:+15550100199">+1 555 010 0199</a>');
  });

  it('shows it on the customer Portal’s Backup Dashboard, and nothing of it for a partner without a logo or contact', async () => {
    const portalFor = async (partner: TestPartner) => {
      const account = await purchaseFor(partner, { productId: 'safe-backup-pro', planId: 'sbp-core', computers: 2 });
      const invitation = await db()('registration_invitations').where({ customer_account_id: account.accountId }).first('id');
      const [q1, q2] = (await db()('security_questions').orderBy('id').limit(2)).map((q) => q.id);
      const done = await completeRegistration(db(), invitation.id, { password: TEST_PASSWORD, question1Id: q1, answer1: 'one', question2Id: q2, answer2: 'two', firstName: 'Robin', lastName: 'Fjord' }, {});
      expect(done.outcome).to.equal('completed');
      const agent = supertest.agent(t.app);
      expect((await submitForm(agent, paths.portal.signIn, { email: account.email, password: TEST_PASSWORD })).status).to.equal(303);
      return (await agent.get(paths.portal.home).expect(200)).text;
    };
    const withBrand = await portalFor(branded);
    expect(withBrand).to.include('Your subscription is managed by <strong>Northwind IT Services</strong>.');
    expect(withBrand).to.include('alt="Northwind IT Services logo"');
    expect(withBrand).to.include('help@northwind.example');

    const plain = await portalFor(await createTestPartner('Plain Partner Co'));
    expect(plain).to.include('Your subscription is managed by <strong>Plain Partner Co</strong>.');
    expect(plain).not.to.include('class="company-logo"');
    expect(plain).not.to.include('To reach them');
  });
});
