// Two-factor sign-in for partner users (TOTP, RFC 6238): set up from Settings with a code,
// ten recovery codes shown once and stored hashed, a second step after the password (its own
// throttle, a code never twice, one step of skew, signed in only after it, on a new id), the
// secret encrypted at rest, the owner's rule for everyone, and an admin's reset. Codes are
// computed here with the same library the app uses.
import { expect } from 'chai';
import supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { decryptSecret, hashRecoveryCode, totpKeyFrom } from '../../lib/auth/totp.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, getForm, sessionIdFrom, signInPartner, submitForm, type TestApp, type TestPartner } from '../support/app.ts';
import { addTeamMember, setupKeyFrom, totpCode, type TestMember } from '../support/team.ts';
import { RATE_LIMITS } from '../../models/rateLimits.ts';

const db = () => testDatabase().db;

interface Enrolled {
  secret: string;
  recoveryCodes: string[];
}

async function enrol(agent: supertest.Agent, setUpPath: string = paths.partner.twoFactorSetUp): Promise<Enrolled> {
  const page = await getForm(agent, setUpPath);
  expect(page.html).to.match(/<img class="qr-code" src="data:image\/png;base64,[^"]+"[^>]* alt="QR code/);
  const secret = setupKeyFrom(page.html);
  const wrong = await agent.post(setUpPath).type('form').send({ _csrf: page.csrf, code: '000000' === totpCode(secret) ? '111111' : '000000' });
  expect(wrong.status).to.equal(422);
  // The same secret after a failed try.
  expect(setupKeyFrom(wrong.text)).to.equal(secret);
  const done = await agent.post(setUpPath).type('form').send({ _csrf: page.csrf, code: totpCode(secret) });
  expect(done.status).to.equal(303);
  expect(done.headers.location).to.equal(paths.partner.recoveryCodes);
  const shown = await agent.get(paths.partner.recoveryCodes).expect(200);
  const recoveryCodes = [...shown.text.matchAll(/<li>([A-Z0-9]{5}(?:-[A-Z0-9]{5}){3})<\/li>/g)].map((m) => m[1]);
  expect(recoveryCodes).to.have.length(10);
  // Shown once.
  const again = await agent.get(paths.partner.recoveryCodes);
  expect(again.status).to.equal(303);
  return { secret: secret.replace(/\s/g, ''), recoveryCodes };
}

// The password step: answers the agent, waiting at the second step.
async function passwordStep(app: TestApp['app'], who: { email: string; password: string }): Promise<{ agent: supertest.Agent; sid: string | undefined; location: string }> {
  const agent = supertest.agent(app);
  const res = await submitForm(agent, paths.partner.signIn, { email: who.email, password: who.password });
  expect(res.status).to.equal(303);
  return { agent, sid: sessionIdFrom(res.headers['set-cookie']), location: res.headers.location };
}

describe('partner two-factor sign-in', () => {
  let t: TestApp;
  let partner: TestPartner;

  before(async () => {
    t = buildTestApp();
    partner = await createTestPartner('Two Factor IT');
  });
  after(() => t.close());

  it('sets up from Settings; the secret is stored encrypted and the recovery codes only hashed', async () => {
    const member = await addTeamMember(partner, 'staff');
    const agent = await signInPartner(t.app, member);
    const { secret, recoveryCodes } = await enrol(agent);
    const row = await db()('partner_users').where({ id: member.userId }).first('totp_secret_encrypted', 'totp_enabled_at');
    expect(row.totp_enabled_at).to.be.an.instanceOf(Date);
    expect(row.totp_secret_encrypted).not.to.include(secret);
    expect(decryptSecret(totpKeyFrom(t.config.totpEncryptionKey), row.totp_secret_encrypted, `partner-user:${member.userId}`)).to.equal(secret);
    // Another key cannot read it.
    expect(() => decryptSecret(totpKeyFrom('another key that is long enough to be used 123'), row.totp_secret_encrypted, `partner-user:${member.userId}`)).to.throw();
    const hashes = (await db()('partner_recovery_codes').where({ partner_user_id: member.userId }).select('code_hash')).map((r) => r.code_hash);
    expect(hashes.sort()).to.deep.equal(recoveryCodes.map(hashRecoveryCode).sort());
    const settings = await agent.get(paths.partner.settings).expect(200);
    expect(settings.text).to.include('10 recovery codes');
  });

  it('signs in only after a right code, on a new session id; a code never works twice; one step of skew', async () => {
    const member = await addTeamMember(partner, 'staff');
    const { secret } = await enrol(await signInPartner(t.app, member));
    await db()('partner_users').where({ id: member.userId }).update({ totp_last_step: null });
    const { agent, sid, location } = await passwordStep(t.app, member);
    expect(location).to.equal(paths.partner.signInCode);
    // Not signed in yet.
    const notYet = await agent.get(paths.partner.accounts);
    expect(notYet.status).to.equal(303);
    expect(notYet.headers.location).to.match(new RegExp(`^${paths.partner.signIn}`));
    const form = await getForm(agent, paths.partner.signInCode);
    // The code of 30 seconds ago still works (one step of skew)...
    const previous = totpCode(secret, Date.now() - 30_000);
    const ok = await agent.post(paths.partner.signInCode).type('form').send({ _csrf: form.csrf, code: previous });
    expect(ok.status).to.equal(303);
    expect(ok.headers.location).to.equal(paths.partner.overview);
    expect(sessionIdFrom(ok.headers['set-cookie'])).to.be.a('string').and.not.equal(sid);
    await agent.get(paths.partner.accounts).expect(200);
    // ...but not twice, nor a code two steps old.
    const replay = await passwordStep(t.app, member);
    const replayForm = await getForm(replay.agent, paths.partner.signInCode);
    const refused = await replay.agent.post(paths.partner.signInCode).type('form').send({ _csrf: replayForm.csrf, code: previous });
    expect(refused.status).to.equal(422);
    expect(refused.text).to.include('already used');
    await db()('partner_users').where({ id: member.userId }).update({ totp_last_step: null });
    const old = await replay.agent.post(paths.partner.signInCode).type('form').send({ _csrf: replayForm.csrf, code: totpCode(secret, Date.now() - 90_000) });
    expect(old.status).to.equal(422);
    const events = await db()('audit_events').where({ partner_id: partner.partnerId, action: 'partner.signed_in' }).whereRaw(`details->>'partnerUserId' = ?`, [String(member.userId)]).count<{ count: string }[]>('* as count');
    // The sign-in from Settings' agent and the one completed with a code; the password steps alone are none.
    expect(Number(events[0].count)).to.equal(2);
  });

  it('accepts each recovery code once', async () => {
    const member = await addTeamMember(partner, 'admin');
    const { recoveryCodes } = await enrol(await signInPartner(t.app, member));
    const first = await passwordStep(t.app, member);
    const form = await getForm(first.agent, paths.partner.signInCode);
    const ok = await first.agent.post(paths.partner.signInCode).type('form').send({ _csrf: form.csrf, code: recoveryCodes[3].toLowerCase() });
    expect(ok.status).to.equal(303);
    const second = await passwordStep(t.app, member);
    const form2 = await getForm(second.agent, paths.partner.signInCode);
    const again = await second.agent.post(paths.partner.signInCode).type('form').send({ _csrf: form2.csrf, code: recoveryCodes[3] });
    expect(again.status).to.equal(422);
    expect(again.text).to.include('already used');
  });

  it('pauses the second step after 5 wrong codes, with 50 sent at once', async () => {
    const member: TestMember = await addTeamMember(partner, 'staff');
    const { secret } = await enrol(await signInPartner(t.app, member));
    const { agent } = await passwordStep(t.app, member);
    const { csrf } = await getForm(agent, paths.partner.signInCode);
    const right = totpCode(secret);
    const wrong = right === '123456' ? '654321' : '123456';
    const answers = await Promise.all(Array.from({ length: 50 }, () => agent.post(paths.partner.signInCode).type('form').send({ _csrf: csrf, code: wrong })));
    const max = RATE_LIMITS['partner-two-factor'].max;
    expect(answers.filter((r) => r.status === 422)).to.have.length(max);
    expect(answers.filter((r) => r.status === 429)).to.have.length(50 - max);
    // Even the right code waits now.
    const paused = await agent.post(paths.partner.signInCode).type('form').send({ _csrf: csrf, code: right });
    expect(paused.status).to.equal(429);
    expect(paused.text).to.include('Too many wrong codes');
  });

  it('requires two-factor for everyone: a user without it is signed out, set up after the password, and can do nothing else first', async () => {
    const company = await createTestPartner('Required IT');
    const owner = await signInPartner(t.app, company);
    const team = await getForm(owner, paths.partner.team);
    // Not before the owner has it.
    await owner.post(paths.partner.twoFactorRequirement).type('form').send({ _csrf: team.csrf, required: 'yes' }).expect(303);
    expect((await db()('partners').where({ id: company.partnerId }).first('two_factor_required')).two_factor_required).to.equal(false);
    await enrol(owner);
    const member = await addTeamMember(company, 'staff');
    const memberAgent = await signInPartner(t.app, member);
    const team2 = await getForm(owner, paths.partner.team);
    await owner.post(paths.partner.twoFactorRequirement).type('form').send({ _csrf: team2.csrf, required: 'yes' }).expect(303);
    expect((await db()('partners').where({ id: company.partnerId }).first('two_factor_required')).two_factor_required).to.equal(true);
    await owner.get(paths.partner.accounts).expect(200);
    expect((await memberAgent.get(paths.partner.accounts)).status).to.equal(303);

    const { agent, location } = await passwordStep(t.app, member);
    expect(location).to.equal(paths.partner.signInSetUpTwoFactor);
    for (const url of [paths.partner.accounts, paths.partner.settings, paths.partner.twoFactorSetUp]) {
      const res = await agent.get(url);
      expect(res.status, url).to.equal(303);
      expect(res.headers.location, url).to.match(new RegExp(`^${paths.partner.signIn}`));
    }
    await enrol(agent, paths.partner.signInSetUpTwoFactor);
    await agent.get(paths.partner.accounts).expect(200);
  });

  it('lets an owner or admin reset a user’s two-factor, in the Activity', async () => {
    const member = await addTeamMember(partner, 'read_only');
    await enrol(await signInPartner(t.app, member));
    const admin = await addTeamMember(partner, 'admin');
    const adminAgent = await signInPartner(t.app, admin);
    const page = await getForm(adminAgent, paths.partner.teamUser(member.userId));
    expect(page.html).to.include('Reset two-factor sign-in');
    await adminAgent.post(paths.partner.resetTwoFactor(member.userId)).type('form').send({ _csrf: page.csrf }).expect(303);
    const row = await db()('partner_users').where({ id: member.userId }).first('totp_secret_encrypted', 'totp_enabled_at');
    expect(row).to.deep.equal({ totp_secret_encrypted: null, totp_enabled_at: null });
    expect(await db()('partner_recovery_codes').where({ partner_user_id: member.userId }).first()).to.equal(undefined);
    const { location } = await passwordStep(t.app, member);
    expect(location).to.equal(paths.partner.overview);
    const audit = await db()('audit_events').where({ partner_id: partner.partnerId, action: 'partner.two_factor_reset' }).first('actor_id', 'details');
    expect(Number(audit.actor_id)).to.equal(admin.userId);
  });
});
