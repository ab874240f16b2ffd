// Issue 17, part 4: the company profile (owner and administrators): details validated with
// messages on the page, and a logo that is PNG or JPEG of 512 KB at most, checked by its
// bytes (not its name or declared type), encoded again by sharp and served with its own
// content type and nosniff, to anyone. Every change in the Activity.
import { expect } from 'chai';
import sharp from 'sharp';
import supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, getForm, signInPartner, submitForm, type TestApp, type TestPartner } from '../support/app.ts';
import { addTeamMember } from '../support/team.ts';

const db = () => testDatabase().db;

const image = (format: 'png' | 'jpeg' | 'gif', width = 800, height = 400) =>
  sharp({ create: { width, height, channels: 3, background: { r: 11, g: 92, b: 173 } } })
    .toFormat(format)
    .toBuffer();

async function upload(agent: supertest.Agent, file: Buffer | undefined, filename = 'logo.png', contentType = 'image/png') {
  const { csrf } = await getForm(agent, paths.partner.company);
  const request = agent.post(paths.partner.companyLogo).field('_csrf', csrf);
  return file ? request.attach('logo', file, { filename, contentType }) : request.field('nothing', '');
}

async function actions(partnerId: number): Promise<string[]> {
  return (await db()('audit_events').where({ partner_id: partnerId }).orderBy('id').select('action')).map((r) => r.action);
}

async function logoPath(partnerId: number): Promise<string> {
  const row = await db()('partners').where({ id: partnerId }).first('logo_updated_at');
  return paths.partnerLogo(partnerId, row.logo_updated_at.getTime());
}

describe('the company profile and logo', () => {
  let t: TestApp;
  let partner: TestPartner;
  let agent: supertest.Agent;

  before(async () => {
    t = buildTestApp();
    partner = await createTestPartner('Profile Makers IT');
    agent = await signInPartner(t.app, partner);
  });
  after(() => t.close());

  it('shows the form to the owner and an administrator, with a Company tab, and a 403 to a User and a Read-only user', async () => {
    const page = await agent.get(paths.partner.company).expect(200);
    expect(page.text).to.include(`href="${paths.partner.company}" aria-current="page">Company</a>`);
    for (const field of ['name', 'contactName', 'contactEmail', 'address', 'phone', 'supportEmail', 'logo']) expect(page.text).to.match(new RegExp(`<label[^>]* for="field-${field}"`));
    const admin = await signInPartner(t.app, await addTeamMember(partner, 'admin'));
    await admin.get(paths.partner.company).expect(200);
    for (const role of ['staff', 'read_only'] as const) {
      const member = await signInPartner(t.app, await addTeamMember(partner, role));
      await member.get(paths.partner.company).expect(403);
      expect((await member.get(paths.partner.accounts).expect(200)).text).not.to.include(`href="${paths.partner.company}"`);
    }
  });

  it('refuses details with problems (422, the values kept, a message at each field) and saves good ones into the Activity', async () => {
    const bad = await submitForm(agent, paths.partner.company, { name: '', contactEmail: 'not-an-email', phone: 'call me', supportEmail: 'help@', address: 'x'.repeat(501), contactName: 'Casey Contact' });
    expect(bad.status).to.equal(422);
    expect(bad.text).to.match(/<title>Error: Company profile/);
    for (const message of ['Enter the company name', 'Enter the primary contact’s email address in the correct format', 'Enter a phone number using digits', 'Enter the support email address in the correct format', 'The address must be 500 characters or fewer']) {
      expect(bad.text).to.include(message);
    }
    expect(bad.text).to.include('value="Casey Contact"');
    expect((await db()('partners').where({ id: partner.partnerId }).first('name')).name).to.equal('Profile Makers IT');

    const good = await submitForm(agent, paths.partner.company, {
      name: 'Profile Makers IT Ltd',
      contactName: 'Casey Contact',
      contactEmail: 'casey@profile.example',
      address: '1 Harbour Road\r\nPortsmouth PO1 1AA',
      phone: '+44 23 9200 0000',
      supportEmail: 'help@profile.example',
    });
    expect(good.status).to.equal(303);
    const row = await db()('partners').where({ id: partner.partnerId }).first('name', 'contact_name', 'contact_email', 'address', 'phone', 'support_email');
    expect(row).to.deep.equal({ name: 'Profile Makers IT Ltd', contact_name: 'Casey Contact', contact_email: 'casey@profile.example', address: '1 Harbour Road\nPortsmouth PO1 1AA', phone: '+44 23 9200 0000', support_email: 'help@profile.example' });
    const page = await agent.get(paths.partner.company).expect(200);
    expect(page.text).to.include('The company profile has been saved.');
    const entry = await db()('audit_events').where({ partner_id: partner.partnerId, action: 'partner.company_profile_changed' }).first('details');
    expect(entry.details.fields).to.include.members(['name', 'contactName', 'supportEmail']);
  });

  it('takes a PNG, fits it within 600 × 200, and serves it to anyone as image/png with nosniff', async () => {
    const res = await upload(agent, await image('png', 1200, 300));
    expect(res.status).to.equal(303);
    const url = await logoPath(partner.partnerId);
    const served = await supertest(t.app).get(url).buffer(true).parse((r, done) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => done(null, Buffer.concat(chunks)));
    });
    expect(served.status).to.equal(200);
    expect(served.headers['content-type']).to.equal('image/png');
    expect(served.headers['x-content-type-options']).to.equal('nosniff');
    const meta = await sharp(served.body as Buffer).metadata();
    expect(meta).to.include({ format: 'png', width: 600, height: 150 });
    expect((await agent.get(paths.partner.company)).text).to.include(`src="${url.replace(/&/g, '&amp;')}"`);
    expect(await actions(partner.partnerId)).to.include('partner.logo_changed');
  });

  it('takes a JPEG, served as image/jpeg', async () => {
    expect((await upload(agent, await image('jpeg', 300, 100), 'logo.jpg', 'image/jpeg')).status).to.equal(303);
    const served = await supertest(t.app).get(await logoPath(partner.partnerId)).expect(200);
    expect(served.headers['content-type']).to.equal('image/jpeg');
  });

  it('judges by the bytes: an SVG or a GIF named logo.png, text, nothing, or a file over 512 KB is refused on the page', async () => {
    const before = await logoPath(partner.partnerId);
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>');
    const cases: [Buffer | undefined, number, string][] = [
      [svg, 422, 'The logo must be a PNG or JPEG image'],
      [await image('gif', 50, 50), 422, 'The logo must be a PNG or JPEG image'],
      [Buffer.from('just some text'), 422, 'The logo must be a PNG or JPEG image'],
      [Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'binary'), Buffer.alloc(20)]), 422, 'PNG or JPEG'],
      [undefined, 422, 'Choose a PNG or JPEG file to upload'],
      [Buffer.alloc(512 * 1024 + 1, 1), 413, 'The logo must be 512 KB or smaller'],
    ];
    for (const [file, status, message] of cases) {
      const res = await upload(agent, file);
      expect(res.status, message).to.equal(status);
      expect(res.text).to.match(/<title>Error: Company profile/);
      expect(res.text).to.include(message);
      expect(res.text).to.include('<a href="#field-logo">');
    }
    expect(await logoPath(partner.partnerId)).to.equal(before);
  });

  it('lets only the owner and administrators upload, and removes the logo (404 after)', async () => {
    const staff = await signInPartner(t.app, await addTeamMember(partner, 'staff'));
    const settings = await getForm(staff, paths.partner.settings);
    const refused = await staff.post(paths.partner.companyLogo).field('_csrf', settings.csrf).attach('logo', await image('png', 20, 20), { filename: 'logo.png', contentType: 'image/png' });
    expect(refused.status).to.equal(403);
    const url = await logoPath(partner.partnerId);
    const removed = await submitForm(agent, paths.partner.company, {}, paths.partner.removeCompanyLogo);
    expect(removed.status).to.equal(303);
    await supertest(t.app).get(url).expect(404);
    expect(await actions(partner.partnerId)).to.include('partner.logo_removed');
  });

  it('answers 404 for a partner without a logo and for an id that is not one', async () => {
    const other = await createTestPartner('No Logo IT');
    await supertest(t.app).get(paths.partnerLogo(other.partnerId, 1)).expect(404);
    await supertest(t.app).get('/logos/partners/abc').expect(404);
  });
});
