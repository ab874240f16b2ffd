import { expect } from 'chai';
import type supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, signInPartner, submitForm, type TestApp, type TestPartner } from '../support/app.ts';
import { purchaseFor, type TestAccount } from '../support/fixtures.ts';
import { activateInstallation } from '../../models/installations.ts';

function decode(text: string): string {
  return text.replace(/&#39;/g, "'").replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#34;/g, '"');
}

interface EventRow {
  who: string;
  account: string;
  what: string;
  address: string;
}

function eventsOf(html: string): EventRow[] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) => {
    const cells = [...row[1].matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => decode(c[1].replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()));
    return { who: cells[1], account: cells[2], what: cells[3], address: cells[4] };
  });
}

function linkOf(html: string, rel: 'next' | 'prev'): string | undefined {
  const href = new RegExp(`<a rel="${rel}" href="([^"]+)"`).exec(html)?.[1];
  return href ? decode(href) : undefined;
}

describe('the Activity tab: the audit log, newest first, by account, a page at a time', () => {
  let t: TestApp;
  let partner: TestPartner;
  let other: TestPartner;
  let agent: supertest.Agent;
  let managed: TestAccount;
  let administered: TestAccount;

  before(async () => {
    t = buildTestApp();
    partner = await createTestPartner('Activity Test IT');
    other = await createTestPartner('Other Activity IT');
    agent = await signInPartner(t.app, partner);
    administered = await purchaseFor(partner, { customerName: 'Evergreen Garden', administrator: 'partner', productId: 'safe', planId: 'safe-prime' });
    managed = await purchaseFor(partner, { customerName: 'Delta Clinic', productId: 'safe-backup-pro', planId: 'sbp-core', computers: 4, termYears: 2 });
    await submitForm(agent, paths.partner.account(managed.accountId), {}, paths.partner.resendRegistration(managed.accountId));
    await activateInstallation(testDatabase().db, { keyCode: administered.keyCode, computerName: 'Reception PC', platform: 'windows' }, { address: '203.0.113.9' });
    await purchaseFor(other, { customerName: 'Someone Else Entirely' });
  });
  after(() => t.close());

  it('lists what happened, newest first, in plain words: who, which account, what, from which address', async () => {
    const res = await agent.get(paths.partner.activity).expect(200);
    expect(res.text).to.include('<h1>Activity</h1>');
    expect(res.text).to.match(/<a class="tabs__tab" href="\/partner\/activity" aria-current="page">Activity<\/a>/);
    const events = eventsOf(res.text);
    expect(events[0].what).to.match(/^Computer activated: Reception PC \(Windows\), serial number CB\d{4}-\w{4}-\w{4}$/);
    expect(events.slice(1, 4).map((e) => e.what)).to.deep.equal([
      `Registration email resent to ${managed.email}`,
      'Purchase completed: Safe Backup Pro Core, 4 computers, 2 years, managed by the customer',
      'Purchase completed: Safe Prime, 1 computer, 1 year, administered by the partner',
    ]);
    expect(events[0]).to.include({ who: 'Reception PC (backup client)', account: 'Evergreen Garden', address: '203.0.113.9' });
    expect(events[1]).to.include({ who: 'Pat Partner (partner)', account: 'Delta Clinic' });
    expect(events.map((e) => e.what)).to.include(`Signed in to the Partner Portal as ${partner.email}`);
    expect(events.at(-1)!.what).to.equal('Partner company onboarded');
  });

  it('shows only the partner’s own events', async () => {
    const res = await agent.get(paths.partner.activity).expect(200);
    expect(res.text).not.to.include('Someone Else Entirely');
    const theirs = await signInPartner(t.app, other);
    const page = await theirs.get(paths.partner.activity).expect(200);
    expect(page.text).to.include('Someone Else Entirely');
    expect(page.text).not.to.include('Delta Clinic');
    expect(page.text).not.to.include('Evergreen Garden');
  });

  it('filters by account, from the Dashboard’s View activity link or an account name in the list', async () => {
    const dashboard = await agent.get(paths.partner.account(managed.accountId)).expect(200);
    const link = `${paths.partner.activity}?account=${managed.accountId}`;
    expect(dashboard.text).to.include(`href="${link}">View activity</a>`);
    expect((await agent.get(paths.partner.activity)).text).to.include(`href="${link}"`);
    const res = await agent.get(link).expect(200);
    expect(res.text).to.match(/<title>Activity: Delta Clinic/);
    expect(res.text).to.include('Show all activity');
    expect(eventsOf(res.text).map((e) => e.what)).to.deep.equal([
      `Registration email resent to ${managed.email}`,
      'Purchase completed: Safe Backup Pro Core, 4 computers, 2 years, managed by the customer',
    ]);
  });

  it('answers 404 for another partner’s account, or an account id that is not one', async () => {
    const theirs = await testDatabase().db('customer_accounts').where({ partner_id: other.partnerId }).first('id');
    await agent.get(`${paths.partner.activity}?account=${theirs.id}`).expect(404);
    await agent.get(`${paths.partner.activity}?account=abc`).expect(404);
    await agent.get(`${paths.partner.activity}?account=999999999`).expect(404);
  });

  it('pages 50 events at a time, to older events and back to newer ones', async () => {
    const { db } = testDatabase();
    const busy = await createTestPartner('Busy Activity IT');
    const account = await purchaseFor(busy, { customerName: 'Busy Books' });
    await db.raw(
      `INSERT INTO audit_events (partner_id, customer_account_id, actor_type, actor_name, action, details)
       SELECT ?, ?, 'system', 'Bulk', 'backup.checked', jsonb_build_object('n', n) FROM generate_series(1, 120) n`,
      [busy.partnerId, account.accountId],
    );
    const ids = (await db('audit_events').where({ partner_id: busy.partnerId }).orderBy('id', 'desc').select('id')).map((r) => r.id);
    const busyAgent = await signInPartner(t.app, busy);
    const total = ids.length + 1; // and the sign-in just now
    const pages: string[] = [];
    for (let next: string | undefined = paths.partner.activity; next; next = linkOf(pages.at(-1)!, 'next')) {
      pages.push((await busyAgent.get(next).expect(200)).text);
    }
    expect(pages.map((p) => eventsOf(p).length)).to.deep.equal([50, 50, total - 100]);
    expect(eventsOf(pages[0])[1].what, 'an unknown action still reads as words').to.equal('Backup checked');
    const back = await busyAgent.get(linkOf(pages[2], 'prev')!).expect(200);
    expect(eventsOf(back.text)).to.deep.equal(eventsOf(pages[1]));
    expect(linkOf(pages[0], 'prev')).to.equal(undefined);
  });
});
