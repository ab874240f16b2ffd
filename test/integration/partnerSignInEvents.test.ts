// Issue 14, item 6: partner sign-ins, right and wrong, are in the partner's Activity (which
// email, which address, when, the outcome), and each partner user sees their own on their
// Settings page; a failure for an email of no partner user is logged, shown to no partner.
import { expect } from 'chai';
import supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { createLogger } from '../../lib/boot/logger.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, csrfTokenFrom, uniqueEmail, type TestApp, type TestPartner } from '../support/app.ts';
import { hashSecret } from '../../lib/auth/passwords.ts';

const db = () => testDatabase().db;

function decode(text: string): string {
  return text.replace(/&#39;/g, "'").replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#34;/g, '"');
}

// The rows of the page's table, as the words of their cells.
function rowsOf(html: string): string[][] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...row[1].matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => decode(c[1].replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim())),
  );
}

// A sign-in through the real form, from a given network address (the app trusts the proxy).
async function signInFrom(app: TestApp['app'], address: string, email: string, password: string): Promise<{ agent: supertest.Agent; status: number }> {
  const agent = supertest.agent(app);
  const page = await agent.get(paths.partner.signIn).set('X-Forwarded-For', address).expect(200);
  const res = await agent
    .post(paths.partner.signIn)
    .set('X-Forwarded-For', address)
    .type('form')
    .send({ email, password, _csrf: csrfTokenFrom(page.text) });
  return { agent, status: res.status };
}

describe('partner sign-in events: in the partner’s Activity and on the user’s Settings', () => {
  const logLines: string[] = [];
  let t: TestApp;
  let partner: TestPartner;
  let other: TestPartner;
  let colleagueEmail: string;

  before(async function () {
    this.timeout(30_000);
    t = buildTestApp({ TRUST_PROXY: 'true' }, createLogger('info', { write: (line: string) => void logLines.push(line) }));
    partner = await createTestPartner('Sign-in Events IT');
    other = await createTestPartner('Other Sign-in Events IT');
    colleagueEmail = uniqueEmail('colleague');
    await db()('partner_users').insert({ partner_id: partner.partnerId, name: 'Cole League', email: colleagueEmail, password_hash: await hashSecret(partner.password), role: 'staff' });
  });
  after(() => t.close());

  it('shows a failed and a successful sign-in with the email, the address and the outcome in the partner’s Activity only', async function () {
    this.timeout(20_000);
    expect((await signInFrom(t.app, '198.51.100.21', partner.email.toUpperCase(), 'not the password at all')).status).to.equal(422);
    const { agent, status } = await signInFrom(t.app, '198.51.100.22', partner.email, partner.password);
    expect(status).to.equal(303);

    const rows = rowsOf((await agent.get(paths.partner.activity).expect(200)).text);
    const signedIn = rows.find((r) => r[3] === `Signed in to the Partner Portal as ${partner.email}`);
    const failed = rows.find((r) => r[3] === `Failed sign-in as ${partner.email}: wrong password`);
    expect(signedIn, JSON.stringify(rows)).to.not.equal(undefined);
    expect(failed, JSON.stringify(rows)).to.not.equal(undefined);
    expect(signedIn![4]).to.equal('198.51.100.22');
    expect(failed![4]).to.equal('198.51.100.21');
    expect(signedIn![0]).to.match(/\d/);
    expect(failed![0]).to.match(/\d/);
    expect(rows.indexOf(signedIn!)).to.be.below(rows.indexOf(failed!));

    const theirs = await signInFrom(t.app, '198.51.100.23', other.email, other.password);
    const otherActivity = (await theirs.agent.get(paths.partner.activity).expect(200)).text;
    expect(otherActivity).not.to.include(partner.email);
    expect(otherActivity).not.to.include('198.51.100.21');
  });

  it('records a paused sign-in as paused', async function () {
    this.timeout(30_000);
    const email = uniqueEmail('paused');
    await db()('partner_users').insert({ partner_id: partner.partnerId, name: 'Paula Used', email, password_hash: await hashSecret(partner.password), role: 'staff' });
    for (let i = 0; i < 5; i += 1) expect((await signInFrom(t.app, '198.51.100.31', email, `wrong guess ${i}`)).status).to.equal(422);
    expect((await signInFrom(t.app, '198.51.100.31', email, partner.password)).status).to.equal(422);
    const events = await db()('audit_events').where({ partner_id: partner.partnerId, action: 'partner.sign_in_failed' }).whereRaw(`details->>'email' = ?`, [email]).orderBy('id');
    expect(events.map((e) => e.details.outcome)).to.deep.equal(['wrong_password', 'wrong_password', 'wrong_password', 'wrong_password', 'wrong_password', 'paused']);
    const { agent } = await signInFrom(t.app, '198.51.100.32', partner.email, partner.password);
    const rows = rowsOf((await agent.get(paths.partner.activity).expect(200)).text);
    expect(rows.some((r) => r[3] === `Failed sign-in as ${email}: paused after too many failed attempts` && r[4] === '198.51.100.31')).to.equal(true);
  });

  it('writes a failure for an email of no partner user to the log, and to no partner’s Activity', async function () {
    this.timeout(20_000);
    const nobody = uniqueEmail('nobody');
    expect((await signInFrom(t.app, '198.51.100.41', nobody, 'whatever it may be')).status).to.equal(422);
    const stored = await db()('audit_events').whereRaw(`details::text ILIKE ?`, [`%${nobody}%`]);
    expect(stored).to.deep.equal([]);
    const logged = logLines.map((line) => JSON.parse(line)).find((entry) => entry.signIn?.email === nobody);
    expect(logged, 'a log line for the unknown email').to.not.equal(undefined);
    expect(logged.signIn).to.deep.include({ area: 'partner', address: '198.51.100.41', outcome: 'wrong_password' });
    for (const p of [partner, other]) {
      const { agent } = await signInFrom(t.app, '198.51.100.42', p.email, p.password);
      expect((await agent.get(paths.partner.activity).expect(200)).text).not.to.include(nobody);
    }
  });

  it('lists a partner user’s own recent sign-ins on their Settings page, not a colleague’s', async function () {
    this.timeout(20_000);
    await signInFrom(t.app, '198.51.100.51', colleagueEmail, 'not the colleague password');
    await signInFrom(t.app, '198.51.100.52', colleagueEmail, partner.password);
    await signInFrom(t.app, '198.51.100.53', partner.email, 'not my password either');
    const { agent } = await signInFrom(t.app, '198.51.100.54', partner.email, partner.password);

    const res = await agent.get(paths.partner.settings).expect(200);
    expect(res.text).to.include('<h1>Settings</h1>');
    expect(res.text).to.match(/<a class="tabs__tab" href="\/partner\/settings" aria-current="page">Settings<\/a>/);
    const rows = rowsOf(res.text);
    expect(rows[0].slice(1)).to.deep.equal(['Signed in', '198.51.100.54']);
    expect(rows[1].slice(1)).to.deep.equal(['Refused: wrong password', '198.51.100.53']);
    const addresses = rows.map((r) => r[2]);
    expect(addresses).not.to.include('198.51.100.51');
    expect(addresses).not.to.include('198.51.100.52');
    expect(res.text).not.to.include(colleagueEmail);
  });
});
