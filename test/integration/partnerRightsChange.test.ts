// Changes to a partner user's rights take effect at once: a role change or a removal ends
// every session of that user on the next request, on every instance (the sessions are rows
// that every instance reads; a trigger deletes them, migration 20261203000200).
import { expect } from 'chai';
import { paths } from '../../lib/paths.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, signInPartner, type TestApp } from '../support/app.ts';

const db = () => testDatabase().db;

async function sessionsOf(userId: number): Promise<number> {
  const [{ count }] = await db()('session').whereRaw(`sess->'passport'->'user'->>'key' = ?`, [`partner:${userId}`]).count<{ count: string }[]>('* as count');
  return Number(count);
}

describe('partner user rights change at once', () => {
  let one: TestApp;
  let two: TestApp;

  before(() => {
    one = buildTestApp();
    two = buildTestApp();
  });
  after(async () => {
    await one.close();
    await two.close();
  });

  it('signs a user out on every instance when their role changes, and they sign in again with the new role', async () => {
    const partner = await createTestPartner('Role Change IT');
    const onOne = await signInPartner(one.app, partner);
    const onTwo = await signInPartner(two.app, partner);
    await onOne.get(paths.partner.undeliveredMail).expect(200);
    expect(await sessionsOf(partner.userId)).to.equal(2);

    await db()('partner_users').where({ id: partner.userId }).update({ role: 'staff' });

    expect(await sessionsOf(partner.userId)).to.equal(0);
    const first = await onOne.get(paths.partner.accounts).expect(303);
    expect(first.headers.location).to.match(new RegExp(`^${paths.partner.signIn}`));
    const second = await onTwo.get(paths.partner.accounts).expect(303);
    expect(second.headers.location).to.match(new RegExp(`^${paths.partner.signIn}`));
    // Signed in again, the user has the staff role's rights: the owner's page is gone.
    const again = await signInPartner(two.app, partner);
    await again.get(paths.partner.undeliveredMail).expect(404);
  });

  it('keeps sessions when something other than the rights changes, and other users’ sessions always', async () => {
    const partner = await createTestPartner('Rename IT');
    const bystander = await createTestPartner('Bystander IT');
    const agent = await signInPartner(one.app, partner);
    const other = await signInPartner(one.app, bystander);
    await db()('partner_users').where({ id: partner.userId }).update({ name: 'Pat Renamed', role: 'owner' });
    await agent.get(paths.partner.accounts).expect(200);
    await db()('partner_users').where({ id: partner.userId }).update({ role: 'admin' });
    await other.get(paths.partner.accounts).expect(200);
    expect(await sessionsOf(bystander.userId)).to.equal(1);
  });

  it('signs a removed user out on the next request', async () => {
    const partner = await createTestPartner('Removal IT');
    const agent = await signInPartner(one.app, partner);
    await agent.get(paths.partner.accounts).expect(200);
    await db()('partner_users').where({ id: partner.userId }).delete();
    const res = await agent.get(paths.partner.accounts).expect(303);
    expect(res.headers.location).to.match(new RegExp(`^${paths.partner.signIn}`));
    expect(await sessionsOf(partner.userId)).to.equal(0);
  });
});
