import { expect } from 'chai';
import { paths } from '../../lib/paths.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, getForm, signInPartner, submitForm, testConfig, uniqueEmail, TEST_PASSWORD, type TestApp, type TestPartner } from '../support/app.ts';
import { purchaseFor, type TestAccount } from '../support/fixtures.ts';
import { installComputer } from '../support/customers.ts';
import { recordBackup } from '../../models/installations.ts';
import { hashSecret } from '../../lib/auth/passwords.ts';
import { checkNotBackingUpAlerts } from '../../models/notBackingUpAlerts.ts';
import { createAlertJob } from '../../lib/jobs/alertJob.ts';
import { renderEmail } from '../../lib/mail/templates.ts';
import { createLogger } from '../../lib/boot/logger.ts';
import { overviewLinks } from '../../controllers/partner/overview.ts';

const db = () => testDatabase().db;
const at = (iso: string) => new Date(iso);

// A computer of the account whose last backup finished at `backedUpAt`; its device token, for later backups.
async function computer(account: TestAccount, name: string, backedUpAt: Date): Promise<string> {
  const activation = await installComputer(account, name);
  await db()('installations').where({ id: activation.installationId }).update({ activated_at: new Date(backedUpAt.getTime() - 86_400_000) });
  await recordBackup(db(), activation.deviceToken, { completedAt: backedUpAt, bytes: 1_000_000, files: 1 });
  return activation.deviceToken;
}

async function addUser(partner: TestPartner, role: 'admin' | 'staff' | 'read_only', fields: Record<string, unknown> = {}) {
  const email = uniqueEmail(role);
  const [row] = await db()('partner_users')
    .insert({ partner_id: partner.partnerId, name: `${role} user`, email, password_hash: await hashSecret(TEST_PASSWORD), role, ...fields })
    .returning('id');
  return { id: Number(row.id), email };
}

interface AlertEmail {
  recipient: string;
  idempotency_key: string;
  data: { accounts: { name: string; url: string }[]; count: number; partnerName: string; notBackingUpUrl: string };
}

async function alertEmails(recipients: string[]): Promise<AlertEmail[]> {
  return db()('outbox_emails').where({ template: 'not-backing-up-alert' }).whereIn('recipient', recipients).orderBy('id').select('recipient', 'idempotency_key', 'data');
}

// Every test runs the whole job (every partner of the test database) at moments in 2031 that
// only move forward, from one test to the next: the job's record of each partner's last check follows them.
describe('the not-backing-up alert: once per crossing, one batch a day per partner, through the outbox', function () {
  this.timeout(60_000);
  let config: ReturnType<typeof testConfig>;
  const links = overviewLinks();
  let partner: TestPartner;
  let other: TestPartner;
  let stopped: TestAccount;
  let stoppedToken: string;
  let staff: { id: number; email: string };
  let readOnly: { id: number; email: string };
  let optedOut: { id: number; email: string };
  let gone: { id: number; email: string };
  let everyone: string[];

  before(async () => {
    config = testConfig();
    partner = await createTestPartner('Alert Test IT');
    stopped = await purchaseFor(partner, { customerName: 'Eight Days Ltd', administrator: 'partner' });
    stoppedToken = await computer(stopped, 'Old PC', at('2031-05-01T10:00:00Z'));
    const later = await purchaseFor(partner, { customerName: 'Later Same Day Ltd', administrator: 'partner' });
    await computer(later, 'Late PC', at('2031-05-02T20:00:00Z'));
    const fine = await purchaseFor(partner, { customerName: 'Backing Up Ltd', administrator: 'partner' });
    await computer(fine, 'Good PC', at('2031-06-30T00:00:00Z'));
    staff = await addUser(partner, 'staff');
    readOnly = await addUser(partner, 'read_only');
    optedOut = await addUser(partner, 'admin', { email_alerts: false });
    gone = await addUser(partner, 'staff', { deactivated_at: new Date() });
    everyone = [partner.email, staff.email, readOnly.email, optedOut.email, gone.email];

    other = await createTestPartner('Other Alert IT');
    const theirs = await purchaseFor(other, { customerName: 'Other Partner Customer', administrator: 'partner' });
    await computer(theirs, 'Their PC', at('2031-05-01T10:00:00Z'));
  });

  it('sends nothing while the last backup is younger than the partner’s 7 days', async () => {
    await checkNotBackingUpAlerts(db(), config, links, at('2031-05-07T12:00:00Z'));
    expect(await alertEmails(everyone)).to.deep.equal([]);
  });

  it('emails each opted-in user once when a computer’s last backup is 8 days old: not the user who opted out, nor a deactivated one', async () => {
    const run = await checkNotBackingUpAlerts(db(), config, links, at('2031-05-09T10:00:00Z'));
    expect(run.crossings).to.be.at.least(1);
    const emails = await alertEmails(everyone);
    expect(emails.map((e) => e.recipient).sort()).to.deep.equal([partner.email, staff.email, readOnly.email].sort());
    for (const email of emails) {
      expect(email.idempotency_key).to.match(/^not-backing-up-alert:\d+:2031-05-09$/);
      expect(email.data.accounts.map((a) => a.name)).to.deep.equal(['Eight Days Ltd']);
      expect(email.data.accounts[0].url).to.equal(`${config.appUrl}/partner/accounts/${stopped.accountId}`);
      expect(email.data.notBackingUpUrl).to.equal(new URL(links.notBackingUp, config.appUrl).toString());
    }
    const rendered = await renderEmail('not-backing-up-alert', emails[0].data, config);
    expect(rendered.subject).to.include('Alert Test IT: 1 account not backing up');
    expect(rendered.text).to.include(`- Eight Days Ltd: last backup 1 May 2031 at 10:00 UTC\n  ${config.appUrl}/partner/accounts/${stopped.accountId}`);
    expect(rendered.html).to.include('See every account not backing up');
  });

  it('sends nothing more the same day, even for an account crossing later that day: it waits for the next day’s batch', async () => {
    const run = await checkNotBackingUpAlerts(db(), config, links, at('2031-05-09T22:00:00Z'));
    expect(run.crossings).to.be.at.least(1); // Later Same Day Ltd crossed at 20:00
    expect(await alertEmails(everyone)).to.have.length(3);
    await checkNotBackingUpAlerts(db(), config, links, at('2031-05-10T08:00:00Z'));
    const next = (await alertEmails(everyone)).filter((e) => e.idempotency_key.endsWith(':2031-05-10'));
    expect(next.map((e) => e.recipient).sort()).to.deep.equal([partner.email, staff.email, readOnly.email].sort());
    // Eight Days Ltd was in yesterday's batch: never twice for one crossing.
    for (const email of next) expect(email.data.accounts.map((a) => a.name)).to.deep.equal(['Later Same Day Ltd']);
    await checkNotBackingUpAlerts(db(), config, links, at('2031-05-11T08:00:00Z'));
    expect(await alertEmails(everyone)).to.have.length(6);
  });

  it('never lists another partner’s accounts, and tells the other partner of theirs alone', async () => {
    const mine = await alertEmails(everyone);
    const names = mine.flatMap((e) => e.data.accounts.map((a) => a.name));
    expect(names).not.to.include('Other Partner Customer');
    const theirs = await alertEmails([other.email]);
    expect(theirs).to.have.length(1);
    expect(theirs[0].data.partnerName).to.equal('Other Alert IT');
    expect(theirs[0].data.accounts.map((a) => a.name)).to.deep.equal(['Other Partner Customer']);
  });

  it('from two workers at once, one email per user', async () => {
    const twin = await createTestPartner('Two Workers Alert IT');
    const account = await purchaseFor(twin, { customerName: 'Twin Customer', administrator: 'partner' });
    await computer(account, 'Twin PC', at('2031-05-04T00:00:00Z'));
    const logger = createLogger('silent');
    const one = createAlertJob({ db: db(), config: { ...config, alertCheckSeconds: 60 }, logger, links });
    const two = createAlertJob({ db: db(), config: { ...config, alertCheckSeconds: 60 }, logger, links });
    const when = at('2031-05-12T09:00:00Z');
    await Promise.all([one.runOnce(when), two.runOnce(when), one.runOnce(when), two.runOnce(when)]);
    const emails = await alertEmails([twin.email]);
    expect(emails).to.have.length(1);
    expect(emails[0].data.accounts.map((a) => a.name)).to.deep.equal(['Twin Customer']);
    const rows = await db()('not_backing_up_alerts').where({ customer_account_id: account.accountId });
    expect(rows).to.have.length(1);
  });

  it('alerts again after a new backup and a new crossing, and not before', async () => {
    await recordBackup(db(), stoppedToken, { completedAt: at('2031-05-12T10:00:00Z'), bytes: 1_000_000, files: 1 });
    await checkNotBackingUpAlerts(db(), config, links, at('2031-05-13T09:00:00Z'));
    await checkNotBackingUpAlerts(db(), config, links, at('2031-05-19T09:00:00Z'));
    const before = await alertEmails([partner.email]);
    expect(before.flatMap((e) => e.data.accounts.map((a) => a.name)).filter((n) => n === 'Eight Days Ltd')).to.have.length(1);
    await checkNotBackingUpAlerts(db(), config, links, at('2031-05-20T11:00:00Z'));
    const after = await alertEmails([partner.email]);
    const last = after.at(-1)!;
    expect(last.idempotency_key).to.equal(`not-backing-up-alert:${partner.userId}:2031-05-20`);
    expect(last.data.accounts.map((a) => a.name)).to.deep.equal(['Eight Days Ltd']);
    expect(await db()('not_backing_up_alerts').where({ customer_account_id: stopped.accountId })).to.have.length(2);
  });

  describe('the choice in the user’s email choices', () => {
    let t: TestApp;
    before(() => {
      t = buildTestApp();
    });
    after(() => t.close());

    it('is on by default, turned off and on with a CSRF-checked POST, recorded in Activity; a user who turned it off gets no alert', async function () {
      const owner = await createTestPartner('Alert Choice IT');
      const account = await purchaseFor(owner, { customerName: 'Choice Customer', administrator: 'partner' });
      await computer(account, 'Choice PC', at('2031-05-22T00:00:00Z'));
      const agent = await signInPartner(t.app, owner);
      const { html } = await getForm(agent, paths.partner.settings);
      expect(html).to.match(/id="field-alerts" name="alerts" value="yes"[^>]* checked>/);
      expect(html).to.include('<label for="field-alerts">Not backing up alerts</label>');
      const off = await submitForm(agent, paths.partner.settings, { orderConfirmations: 'yes', expiryReminders: 'yes' }, paths.partner.emailPreferences);
      expect(off.status).to.equal(303);
      expect((await db()('partner_users').where({ id: owner.userId }).first('email_alerts')).email_alerts).to.equal(false);
      expect((await agent.get(paths.partner.settings)).text).not.to.match(/id="field-alerts"[^>]* checked/);
      const activity = await agent.get(paths.partner.activity).expect(200);
      expect(activity.text).to.include('not backing up alerts off');
      // Without the form's token, nothing changes.
      await agent.post(paths.partner.emailPreferences).type('form').send({ alerts: 'yes' }).expect(403);
      expect((await db()('partner_users').where({ id: owner.userId }).first('email_alerts')).email_alerts).to.equal(false);

      await checkNotBackingUpAlerts(db(), config, links, at('2031-05-31T09:00:00Z'));
      expect(await alertEmails([owner.email])).to.deep.equal([]);
      // The crossing is recorded all the same: turning the alerts on later does not bring it back.
      expect(await db()('not_backing_up_alerts').where({ customer_account_id: account.accountId })).to.have.length(1);

      await submitForm(agent, paths.partner.settings, { alerts: 'yes' }, paths.partner.emailPreferences);
      expect((await db()('partner_users').where({ id: owner.userId }).first('email_alerts')).email_alerts).to.equal(true);
      expect((await agent.get(paths.partner.activity)).text).to.include('not backing up alerts on');
    });
  });
});
