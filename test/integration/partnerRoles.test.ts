// Roles are enforced on the server for every route and every POST (lib/auth/roles.ts): each
// role asks every Partner Portal address, with a real CSRF token; what the role may not do
// answers the 403 page and changes nothing, what it may do never does. The table below is
// the words, written apart from the guard, so a guard that drifts fails it.
import { expect } from 'chai';
import type supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, csrfTokenFrom, signInPartner, type TestApp, type TestPartner } from '../support/app.ts';
import { purchaseFor, partnerSessionUser, type TestAccount } from '../support/fixtures.ts';
import { addTeamMember, type TestMember } from '../support/team.ts';
import { inviteUser } from '../../models/partnerInvitations.ts';

const db = () => testDatabase().db;
type Level = 'read_only' | 'staff' | 'admin' | 'owner';
const LEVELS: Level[] = ['read_only', 'staff', 'admin', 'owner'];

describe('partner roles on every route', () => {
  let t: TestApp;
  let partner: TestPartner;
  let managed: TestAccount;
  let pending: TestAccount;
  let target: TestMember;
  let invitationId: number;
  const members: Partial<Record<Level, TestMember>> = {};

  before(async () => {
    t = buildTestApp();
    partner = await createTestPartner('Roles IT');
    managed = await purchaseFor(partner, { administrator: 'partner', productId: 'safe-backup-pro', planId: 'sbp-core', computers: 2 });
    pending = await purchaseFor(partner);
    for (const role of ['read_only', 'staff', 'admin'] as const) members[role] = await addTeamMember(partner, role);
    target = await addTeamMember(partner, 'read_only');
    invitationId = await inviteUser(db(), partnerSessionUser(partner), { email: 'invitee@roles.example', role: 'staff' }, { config: t.config });
  });
  after(() => t.close());

  // [method, address, the least role that may]: the list.
  function table(): [string, string, Level][] {
    const account = managed.accountId;
    return [
      ['GET', paths.partner.accounts, 'read_only'],
      ['GET', paths.partner.accountsCsv, 'read_only'],
      ['GET', paths.partner.account(account), 'read_only'],
      ['GET', paths.partner.installCarbonite(account), 'read_only'],
      ['GET', paths.partner.activity, 'read_only'],
      ['GET', paths.partner.settings, 'read_only'],
      ['GET', paths.partner.changePassword, 'read_only'],
      ['POST', paths.partner.changePassword, 'read_only'],
      ['GET', paths.partner.twoFactorSetUp, 'read_only'],
      ['POST', paths.partner.resendRegistration(pending.accountId), 'staff'],
      ['GET', paths.partner.handOver(account), 'staff'],
      ['POST', paths.partner.handOver(account), 'staff'],
      ['GET', paths.partner.newPurchase, 'admin'],
      ['POST', paths.partner.newPurchase, 'admin'],
      ['GET', paths.partner.reviewPurchase, 'admin'],
      ['POST', paths.partner.completePurchase, 'admin'],
      // Express routes ignore case and a trailing slash: so does the guard.
      ['GET', '/partner/PURCHASES/new/', 'admin'],
      // Orders and what an order is made of on an account (issue 15's addresses, built
      // literally: guarded by their prefix whether or not they exist yet).
      ['GET', '/partner/orders', 'admin'],
      ['GET', '/partner/orders.csv', 'admin'],
      ['GET', '/partner/orders/1', 'admin'],
      ['GET', `/partner/accounts/${account}/renew`, 'admin'],
      ['POST', `/partner/accounts/${account}/renewals`, 'admin'],
      ['POST', `/partner/accounts/${account}/auto-renew`, 'admin'],
      ['GET', `/partner/accounts/${account}/upgrade`, 'admin'],
      ['POST', `/partner/accounts/${account}/computers`, 'admin'],
      ['GET', paths.partner.team, 'admin'],
      ['GET', paths.partner.inviteUser, 'admin'],
      ['POST', paths.partner.inviteUser, 'admin'],
      ['GET', paths.partner.teamUser(target.userId), 'admin'],
      ['POST', paths.partner.changeRole(target.userId), 'admin'],
      ['POST', paths.partner.resetTwoFactor(target.userId), 'admin'],
      ['POST', paths.partner.resendInvitation(invitationId), 'admin'],
      ['POST', paths.partner.deactivateUser(target.userId), 'admin'],
      ['POST', paths.partner.revokeInvitation(invitationId), 'admin'],
      ['GET', paths.partner.transferOwnership, 'owner'],
      ['POST', paths.partner.transferOwnership, 'owner'],
      ['POST', paths.partner.twoFactorRequirement, 'owner'],
      // An address nobody declared: a change there needs an administrator.
      ['POST', '/partner/something-new', 'admin'],
    ];
  }

  async function agentFor(level: Level): Promise<{ agent: supertest.Agent; csrf: string }> {
    const who = level === 'owner' ? partner : members[level]!;
    const agent = await signInPartner(t.app, who);
    const page = await agent.get(paths.partner.settings).expect(200);
    return { agent, csrf: csrfTokenFrom(page.text) };
  }

  async function footprint(): Promise<string> {
    const rows = await Promise.all([
      db()('partner_users').where({ partner_id: partner.partnerId }).orderBy('id').select('id', 'role', 'deactivated_at', 'password_hash'),
      db()('partner_invitations').where({ partner_id: partner.partnerId }).orderBy('id').select('id', 'token_hash', 'revoked_at'),
      db()('customer_accounts').where({ partner_id: partner.partnerId }).orderBy('id').select('id', 'administrator', 'status', 'updated_at'),
      db()('outbox_emails').where({ partner_id: partner.partnerId }).count('* as n'),
      db()('partners').where({ id: partner.partnerId }).select('two_factor_required'),
    ]);
    return JSON.stringify(rows);
  }

  it('answers 403 to every address a role may not use, changing nothing, and never 403 where it may', async () => {
    const findings: string[] = [];
    // The least privileged first: what they are refused must find everything unchanged.
    for (const level of LEVELS) {
      const { agent, csrf } = await agentFor(level);
      for (const [method, url, least] of table()) {
        const allowed = LEVELS.indexOf(level) >= LEVELS.indexOf(least);
        const before = allowed ? '' : await footprint();
        const res = method === 'GET' ? await agent.get(url) : await agent.post(url).type('form').send({ _csrf: csrf });
        const what = `${level} ${method} ${url}`;
        if (res.status >= 500) findings.push(`${what}: ${res.status}`);
        if (allowed && res.status === 403) findings.push(`${what}: refused, but the role may`);
        if (!allowed) {
          if (res.status !== 403) findings.push(`${what}: answered ${res.status}, expected 403`);
          else if (!res.text.includes('You do not have access to this')) findings.push(`${what}: 403 without the page`);
          if ((await footprint()) !== before) findings.push(`${what}: changed something`);
        }
      }
    }
    expect(findings).to.deep.equal([]);
  });

  it('shows no link to what the role may not do', async () => {
    const staff = await signInPartner(t.app, members.staff!);
    const accounts = await staff.get(paths.partner.accounts).expect(200);
    expect(accounts.text).not.to.include(`href="${paths.partner.newPurchase}"`);
    expect(accounts.text).not.to.include(`href="${paths.partner.team}"`);
    const dashboard = await staff.get(paths.partner.account(pending.accountId)).expect(200);
    expect(dashboard.text).to.include(paths.partner.resendRegistration(pending.accountId));

    const readOnly = await signInPartner(t.app, members.read_only!);
    const roDashboard = await readOnly.get(paths.partner.account(pending.accountId)).expect(200);
    expect(roDashboard.text).not.to.include(paths.partner.resendRegistration(pending.accountId));
    const roManaged = await readOnly.get(paths.partner.account(managed.accountId)).expect(200);
    expect(roManaged.text).not.to.include(paths.partner.handOver(managed.accountId));

    const admin = await signInPartner(t.app, members.admin!);
    const adminAccounts = await admin.get(paths.partner.accounts).expect(200);
    expect(adminAccounts.text).to.include(`href="${paths.partner.newPurchase}"`);
    expect(adminAccounts.text).to.include(`href="${paths.partner.team}"`);
    const team = await admin.get(paths.partner.team).expect(200);
    // The owner's own powers are not offered to an administrator.
    expect(team.text).not.to.include(paths.partner.transferOwnership);
  });
});
