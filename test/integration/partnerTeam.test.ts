// The Team tab: invitations (token rules, resend, revoke, concurrent acceptance makes one
// user), roles, deactivation (sessions end at once, on every instance), the owner's rules,
// ownership's transfer confirmed by password; every change in the Activity.
import { expect } from 'chai';
import supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { hashToken } from '../../lib/codes.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, getForm, signInPartner, submitForm, type TestApp, type TestPartner } from '../support/app.ts';
import { addTeamMember } from '../support/team.ts';
import { RATE_LIMITS } from '../../models/rateLimits.ts';

const db = () => testDatabase().db;
const NEW_PASSWORD = 'a long new team password 2026';

async function latestInvitationPath(email: string): Promise<string> {
  const row = await db()('outbox_emails').where({ recipient: email, template: 'partner-invitation' }).orderBy('id', 'desc').first('data');
  if (!row) throw new Error(`No invitation email to ${email}`);
  return new URL(row.data.acceptUrl as string).pathname;
}

async function auditActions(partnerId: number): Promise<string[]> {
  return (await db()('audit_events').where({ partner_id: partnerId }).orderBy('id').select('action')).map((r) => r.action);
}

describe('partner team', () => {
  let t: TestApp;
  let two: TestApp;
  let partner: TestPartner;
  let owner: supertest.Agent;

  before(async () => {
    t = buildTestApp();
    two = buildTestApp();
    partner = await createTestPartner('Team IT');
    owner = await signInPartner(t.app, partner);
  });
  after(async () => {
    await t.close();
    await two.close();
  });

  it('invites by email with a role; the link (SHA-256 stored, 7 days) sets a name and password and signs the new user in', async () => {
    const email = 'new.staff@team.example';
    const res = await submitForm(owner, paths.partner.inviteUser, { email, role: 'staff' });
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal(paths.partner.team);
    const path = await latestInvitationPath(email);
    const token = decodeURIComponent(path.split('/').pop()!);
    const row = await db()('partner_invitations').where({ partner_id: partner.partnerId, email }).first();
    expect(row.token_hash).to.equal(hashToken(token));
    expect(JSON.stringify(row)).not.to.include(token);
    const days = (new Date(row.expires_at).getTime() - Date.now()) / 86_400_000;
    expect(days).to.be.within(6.99, 7.01);
    const team = await owner.get(paths.partner.team).expect(200);
    expect(team.text).to.include(email);

    const invitee = supertest.agent(t.app);
    const page = await invitee.get(path).expect(200);
    expect(page.text).to.include('Join Team IT');
    const weak = await submitForm(invitee, path, { name: 'Robin Staff', password: 'short', confirmPassword: 'short' });
    expect(weak.status).to.equal(422);
    expect(weak.text).to.include('Password must be at least 12 characters');
    expect(weak.text).to.include('value="Robin Staff"');
    const done = await submitForm(invitee, path, { name: 'Robin Staff', password: NEW_PASSWORD, confirmPassword: NEW_PASSWORD });
    expect(done.status).to.equal(303);
    expect(done.headers.location).to.equal(paths.partner.accounts);
    await invitee.get(paths.partner.accounts).expect(200);
    // A staff user: no New purchase.
    await invitee.get(paths.partner.newPurchase).expect(403);
    const user = await db()('partner_users').whereRaw('lower(email) = ?', [email]).first('role', 'name');
    expect(user).to.deep.equal({ role: 'staff', name: 'Robin Staff' });
    // Single use.
    await supertest(t.app).get(path).expect(404);
    expect(await auditActions(partner.partnerId)).to.include.members(['partner.user_invited', 'partner.invitation_accepted', 'partner.signed_in']);
  });

  it('resending voids the older link; revoking voids the link; an expired link says so', async () => {
    const email = 'resend.me@team.example';
    await submitForm(owner, paths.partner.inviteUser, { email, role: 'read_only' });
    const first = await latestInvitationPath(email);
    const { id } = await db()('partner_invitations').where({ partner_id: partner.partnerId, email }).first('id');
    const team = await getForm(owner, paths.partner.team);
    await owner.post(paths.partner.resendInvitation(id)).type('form').send({ _csrf: team.csrf }).expect(303);
    const second = await latestInvitationPath(email);
    expect(second).not.to.equal(first);
    await supertest(t.app).get(first).expect(404);
    await supertest(t.app).get(second).expect(200);
    await db()('partner_invitations').where({ id }).update({ expires_at: new Date(Date.now() - 1000) });
    const expired = await supertest(t.app).get(second).expect(410);
    expect(expired.text).to.include('This invitation has expired');
    await db()('partner_invitations').where({ id }).update({ expires_at: new Date(Date.now() + 86_400_000) });
    await owner.post(paths.partner.revokeInvitation(id)).type('form').send({ _csrf: team.csrf }).expect(303);
    await supertest(t.app).get(second).expect(404);
    expect(await auditActions(partner.partnerId)).to.include.members(['partner.invitation_resent', 'partner.invitation_revoked']);
  });

  it('makes one user of an invitation accepted 10 times at once', async () => {
    const email = 'race@team.example';
    await submitForm(owner, paths.partner.inviteUser, { email, role: 'staff' });
    const path = await latestInvitationPath(email);
    const agents = await Promise.all(Array.from({ length: 10 }, async () => {
      const agent = supertest.agent(t.app);
      return { agent, form: await getForm(agent, path) };
    }));
    const answers = await Promise.all(agents.map(({ agent, form }) => agent.post(path).type('form').send({ _csrf: form.csrf, name: 'Race', password: NEW_PASSWORD, confirmPassword: NEW_PASSWORD })));
    expect(answers.filter((r) => r.status === 303)).to.have.length(1);
    const [{ count }] = await db()('partner_users').whereRaw('lower(email) = ?', [email]).count<{ count: string }[]>('* as count');
    expect(Number(count)).to.equal(1);
  });

  it('takes no more than its limit of 50 invitations sent at once', async () => {
    const other = await createTestPartner('Invite Flood IT');
    const agent = await signInPartner(t.app, other);
    const { csrf } = await getForm(agent, paths.partner.inviteUser);
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => agent.post(paths.partner.inviteUser).type('form').send({ _csrf: csrf, email: `flood${i}@team.example`, role: 'staff' })));
    const max = RATE_LIMITS['partner-invitation'].max;
    expect(answers.filter((r) => r.status === 303)).to.have.length(max);
    expect(answers.filter((r) => r.status === 429)).to.have.length(50 - max);
    const [{ count }] = await db()('outbox_emails').where({ partner_id: other.partnerId, template: 'partner-invitation' }).count<{ count: string }[]>('* as count');
    expect(Number(count)).to.equal(max);
  });

  it('changes a role (the user is signed out) and deactivates a user, whose sessions on every instance end at once', async () => {
    const member = await addTeamMember(partner, 'staff');
    const onOne = await signInPartner(t.app, member);
    const onTwo = await signInPartner(two.app, member);
    const page = await getForm(owner, paths.partner.teamUser(member.userId));
    await owner.post(paths.partner.changeRole(member.userId)).type('form').send({ _csrf: page.csrf, role: 'admin' }).expect(303);
    expect((await db()('partner_users').where({ id: member.userId }).first('role')).role).to.equal('admin');
    expect((await onOne.get(paths.partner.accounts)).status).to.equal(303);

    const again = await signInPartner(t.app, member);
    const elsewhere = await signInPartner(two.app, member);
    await again.get(paths.partner.team).expect(200);
    await owner.post(paths.partner.deactivateUser(member.userId)).type('form').send({ _csrf: page.csrf }).expect(303);
    for (const agent of [again, elsewhere, onTwo]) {
      const res = await agent.get(paths.partner.accounts);
      expect(res.status).to.equal(303);
      expect(res.headers.location).to.match(new RegExp(`^${paths.partner.signIn}`));
    }
    const signIn = await submitForm(supertest.agent(t.app), paths.partner.signIn, { email: member.email, password: member.password });
    expect(signIn.status).to.equal(422);
    const team = await owner.get(paths.partner.team).expect(200);
    expect(team.text).to.include('Deactivated');
    expect(await auditActions(partner.partnerId)).to.include.members(['partner.user_role_changed', 'partner.user_deactivated']);
  });

  it('never demotes or deactivates the owner, and an admin cannot transfer ownership', async () => {
    const admin = await addTeamMember(partner, 'admin');
    const agent = await signInPartner(t.app, admin);
    const page = await getForm(agent, paths.partner.teamUser(partner.userId));
    const demote = await agent.post(paths.partner.changeRole(partner.userId)).type('form').send({ _csrf: page.csrf, role: 'staff' });
    expect(demote.status).to.equal(422);
    expect(demote.text).to.include('The owner’s role cannot be changed');
    const deactivate = await agent.post(paths.partner.deactivateUser(partner.userId)).type('form').send({ _csrf: page.csrf });
    expect(deactivate.status).to.equal(422);
    expect(deactivate.text).to.include('The owner cannot be deactivated');
    await agent.post(paths.partner.transferOwnership).type('form').send({ _csrf: page.csrf, userId: String(admin.userId), password: admin.password }).expect(403);
    const row = await db()('partner_users').where({ id: partner.userId }).first('role', 'deactivated_at');
    expect(row).to.deep.equal({ role: 'owner', deactivated_at: null });
    // Another partner's user is a 404.
    const stranger = await createTestPartner('Stranger IT');
    await agent.get(paths.partner.teamUser(stranger.userId)).expect(404);
    await agent.post(paths.partner.deactivateUser(stranger.userId)).type('form').send({ _csrf: page.csrf }).expect(404);
  });

  it('transfers ownership to an admin only with the owner’s password; the old owner carries on as admin', async () => {
    const company = await createTestPartner('Transfer IT');
    const admin = await addTeamMember(company, 'admin');
    const agent = await signInPartner(t.app, company);
    const wrong = await submitForm(agent, paths.partner.transferOwnership, { userId: String(admin.userId), password: 'not my password at all' });
    expect(wrong.status).to.equal(422);
    expect(wrong.text).to.include('Your current password is not right');
    expect((await db()('partner_users').where({ id: company.userId }).first('role')).role).to.equal('owner');
    const done = await submitForm(agent, paths.partner.transferOwnership, { userId: String(admin.userId), password: company.password });
    expect(done.status).to.equal(303);
    const roles = await db()('partner_users').where({ partner_id: company.partnerId }).orderBy('id').select('id', 'role');
    expect(roles).to.deep.equal([{ id: company.userId, role: 'admin' }, { id: admin.userId, role: 'owner' }]);
    // Still signed in, as an administrator: the team yes, the owner's page no.
    await agent.get(paths.partner.team).expect(200);
    await agent.get(paths.partner.transferOwnership).expect(403);
    expect(await auditActions(company.partnerId)).to.include('partner.ownership_transferred');
  });
});
