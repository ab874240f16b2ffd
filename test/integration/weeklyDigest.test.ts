import { execFile } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { projectRoot } from '../../lib/boot/projectRoot.ts';
import { paths } from '../../lib/paths.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, getForm, signInPartner, submitForm, testConfig, uniqueEmail, TEST_PASSWORD, type TestApp, type TestPartner } from '../support/app.ts';
import { purchaseFor, type TestAccount } from '../support/fixtures.ts';
import { installComputer } from '../support/customers.ts';
import { recordBackup } from '../../models/installations.ts';
import { hashSecret } from '../../lib/auth/passwords.ts';
import { isoWeek, queueWeeklyDigests } from '../../models/digests.ts';
import { createDigestJob } from '../../lib/mail/digestJob.ts';
import { renderEmail } from '../../lib/mail/templates.ts';
import { createLogger } from '../../lib/boot/logger.ts';
import { overviewLinks } from '../../controllers/partner/overview.ts';

const DAY = 86_400_000;
const db = () => testDatabase().db;
const tsx = path.join(projectRoot, 'node_modules', '.bin', 'tsx');

async function computer(account: TestAccount, name: string, activatedDaysAgo: number, backedUpDaysAgo?: number) {
  const activation = await installComputer(account, name);
  await db()('installations').where({ id: activation.installationId }).update({ activated_at: new Date(Date.now() - activatedDaysAgo * DAY) });
  if (backedUpDaysAgo !== undefined) {
    await recordBackup(db(), activation.deviceToken, { completedAt: new Date(Date.now() - backedUpDaysAgo * DAY), bytes: 2_000_000_000, files: 1 });
  }
}

async function addUser(partner: TestPartner, role: 'admin' | 'staff', weeklyDigest: boolean | null) {
  const email = uniqueEmail(role);
  const [row] = await db()('partner_users')
    .insert({ partner_id: partner.partnerId, name: `${role} user`, email, password_hash: await hashSecret(TEST_PASSWORD), role, weekly_digest: weeklyDigest })
    .returning('id');
  return { id: Number(row.id), email, password: TEST_PASSWORD };
}

async function digestEmails(userEmails: string[]) {
  return db()('outbox_emails').where({ template: 'weekly-digest' }).whereIn('recipient', userEmails).orderBy('id').select('recipient', 'idempotency_key', 'data');
}

function sendDigest(): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(tsx, [path.join(projectRoot, 'bin', 'send-digest.ts')], { env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: testDatabase().url }, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('the weekly digest: once per user per ISO week, only with something to report, through the outbox', function () {
  this.timeout(60_000);
  let partner: TestPartner;
  let quiet: TestPartner;
  let staffIn: { id: number; email: string };
  let adminDefault: { id: number; email: string };
  let gone: { id: number; email: string };
  let config: ReturnType<typeof testConfig>;
  const links = overviewLinks();
  // Fixed moments in weeks no other test uses: Wednesday 6 March 2030 is in 2030-W10.
  const week10 = new Date('2030-03-06T09:00:00Z');
  const week11 = new Date('2030-03-13T09:00:00Z');

  before(async () => {
    config = testConfig();
    partner = await createTestPartner('Digest Test IT');
    const stopped = await purchaseFor(partner, { customerName: 'Eight Days Ltd', administrator: 'partner' });
    await computer(stopped, 'Old PC', 30, 8);
    const fine = await purchaseFor(partner, { customerName: 'All Good Ltd', administrator: 'partner' });
    await computer(fine, 'New PC', 30, 0.1);
    staffIn = await addUser(partner, 'staff', true);
    adminDefault = await addUser(partner, 'admin', null);
    gone = await addUser(partner, 'staff', true);
    await db()('partner_users').where({ id: gone.id }).update({ deactivated_at: new Date() });
    // A partner whose only account is backing up: nothing to report.
    quiet = await createTestPartner('Quiet Digest IT');
    const ok = await purchaseFor(quiet, { customerName: 'Quiet Customer', administrator: 'partner' });
    await computer(ok, 'Quiet PC', 30, 0.1);
  });

  it('names ISO weeks as ISO 8601 does, across year ends', () => {
    expect(isoWeek(new Date('2030-03-06T09:00:00Z'))).to.equal('2030-W10');
    expect(isoWeek(new Date('2026-12-31T23:59:59Z'))).to.equal('2026-W53');
    expect(isoWeek(new Date('2027-01-03T12:00:00Z'))).to.equal('2026-W53');
    expect(isoWeek(new Date('2027-01-04T00:00:00Z'))).to.equal('2027-W01');
    expect(isoWeek(new Date('2024-12-30T00:00:00Z'))).to.equal('2025-W01');
  });

  it('queues one digest to the owner (on by default) and to users who opted in, none to those who did not, and one only when run twice', async () => {
    const first = await queueWeeklyDigests(db(), config, links, week10);
    expect(first.week).to.equal('2030-W10');
    const emails = await digestEmails([partner.email, staffIn.email, adminDefault.email, gone.email]);
    // Not the administrator who never opted in, nor the deactivated user who had.
    expect(emails.map((e) => e.recipient).sort()).to.deep.equal([partner.email, staffIn.email].sort());
    expect(emails.map((e) => e.idempotency_key)).to.include(`weekly-digest:${partner.userId}:2030-W10`);
    const again = await queueWeeklyDigests(db(), config, links, new Date('2030-03-10T23:59:00Z'));
    expect(again.queued).to.equal(0);
    expect(await digestEmails([partner.email, staffIn.email, adminDefault.email])).to.have.length(2);
  });

  it('skips a user with nothing to report, and marks their week done', async () => {
    const quietWeek10 = await db()('weekly_digests').where({ partner_user_id: quiet.userId, iso_week: '2030-W10' }).first('outcome');
    // By 2030 every computer is years without a backup: the quiet partner has something to report then.
    expect(quietWeek10.outcome).to.equal('queued');
    const now = new Date();
    await queueWeeklyDigests(db(), config, links, now);
    const row = await db()('weekly_digests').where({ partner_user_id: quiet.userId, iso_week: isoWeek(now) }).first('outcome');
    expect(row.outcome).to.equal('nothing_to_report');
    const quietEmails = await db()('outbox_emails').where({ template: 'weekly-digest', recipient: quiet.email }).select('idempotency_key');
    expect(quietEmails.map((e) => e.idempotency_key)).to.deep.equal([`weekly-digest:${quiet.userId}:2030-W10`]);
  });

  it('from two workers at once, still one digest per user for the week', async () => {
    const logger = createLogger('silent');
    const one = createDigestJob({ db: db(), config, logger, links });
    const two = createDigestJob({ db: db(), config, logger, links });
    const [a, b] = await Promise.all([one.runOnce(week11), two.runOnce(week11)]);
    const emails = (await digestEmails([partner.email, staffIn.email])).filter((e) => e.idempotency_key.endsWith(':2030-W11'));
    expect(emails.map((e) => e.recipient).sort()).to.deep.equal([partner.email, staffIn.email].sort());
    expect(a.queued + b.queued).to.be.at.least(2);
    const rows = await db()('weekly_digests').where({ iso_week: '2030-W11' }).whereIn('partner_user_id', [partner.userId, staffIn.id]);
    expect(rows).to.have.length(2);
  });

  it('reports a computer 8 days without a backup: the Overview’s numbers and the account, with links into the Portal', async () => {
    await queueWeeklyDigests(db(), config, links);
    const [email] = (await digestEmails([partner.email])).filter((e) => e.idempotency_key === `weekly-digest:${partner.userId}:${isoWeek(new Date())}`);
    expect(email, 'this week’s digest').to.not.equal(undefined);
    const figures = Object.fromEntries(email.data.figures.map((f: { label: string; count: number }) => [f.label, f.count]));
    expect(figures).to.include({ 'Not backing up': 1, Overdue: 0, 'Waiting for first backup': 0 });
    expect(email.data.attention.map((a: { name: string }) => a.name)).to.deep.equal(['Eight Days Ltd']);
    const rendered = await renderEmail('weekly-digest', email.data, config);
    expect(rendered.subject).to.include('1 not backing up, 0 overdue');
    expect(rendered.text).to.match(/Not backing up: 1 \(no backup for 7 days or more\)\n\s+http:\/\/[^/]+\/partner\/accounts\?health=not_backing_up&sort=backup/);
    expect(rendered.text).to.match(/- Eight Days Ltd: Not backing up, last backup 8 days ago\n\s+http:\/\/[^/]+\/partner\/accounts\/\d+/);
    expect(rendered.html).to.include('Open the Overview');
  });

  it('npm run send-digest queues this week’s digests now, under the same once-a-week rule', async () => {
    const late = await addUser(partner, 'staff', true);
    const first = await sendDigest();
    expect(first.code, first.stderr).to.equal(0);
    expect(first.stdout).to.match(new RegExp(`Weekly digests for ${isoWeek(new Date())}: \\d+ queued`));
    const second = await sendDigest();
    expect(second.code, second.stderr).to.equal(0);
    expect(second.stdout).to.include(': 0 queued');
    const mine = (await digestEmails([late.email, partner.email])).filter((e) => e.idempotency_key.endsWith(`:${isoWeek(new Date())}`));
    expect(mine.map((e) => e.recipient).sort()).to.deep.equal([late.email, partner.email].sort());
  });

  describe('the choice on the Settings page', () => {
    let t: TestApp;
    before(() => {
      t = buildTestApp();
    });
    after(() => t.close());

    it('shows the owner’s default as on, turns it off and on with a CSRF-checked POST, recorded in Activity', async () => {
      const owner = await createTestPartner('Digest Choice IT');
      const agent = await signInPartner(t.app, owner);
      const { html } = await getForm(agent, paths.partner.settings);
      expect(html).to.match(/<input type="checkbox" id="field-weeklyDigest" name="weeklyDigest" value="yes" checked>/);
      expect(html).to.include('<label for="field-weeklyDigest">Send me the weekly digest email</label>');
      const off = await submitForm(agent, paths.partner.settings, {}, paths.partner.weeklyDigest);
      expect(off.status).to.equal(303);
      expect((await db()('partner_users').where({ id: owner.userId }).first('weekly_digest')).weekly_digest).to.equal(false);
      expect((await agent.get(paths.partner.settings)).text).to.match(/value="yes">/);
      await submitForm(agent, paths.partner.settings, { weeklyDigest: 'yes' }, paths.partner.weeklyDigest);
      expect((await db()('partner_users').where({ id: owner.userId }).first('weekly_digest')).weekly_digest).to.equal(true);
      const activity = await agent.get(paths.partner.activity).expect(200);
      expect(activity.text).to.include('Turned the weekly digest email off');
      expect(activity.text).to.include('Turned the weekly digest email on');
      // Without the form's token, nothing changes.
      await agent.post(paths.partner.weeklyDigest).type('form').send({}).expect(403);
      expect((await db()('partner_users').where({ id: owner.userId }).first('weekly_digest')).weekly_digest).to.equal(true);
    });
  });
});
