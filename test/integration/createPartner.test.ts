import { execFile } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { projectRoot } from '../../lib/boot/projectRoot.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, signInPartner, uniqueEmail } from '../support/app.ts';

const tsx = path.join(projectRoot, 'node_modules', '.bin', 'tsx');

function createPartner(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      tsx,
      [path.join(projectRoot, 'bin', 'create-partner.ts'), ...args],
      { env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: testDatabase().url }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run create-partner', function () {
  this.timeout(60_000);

  it('creates the company and its owner, prints what it did, and the owner can sign in', async () => {
    const email = uniqueEmail('owner');
    const result = await createPartner(['--company', 'Acme IT', '--name', 'Pat Lee', '--email', email, '--password', 'a long and quiet river']);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.include('Created partner "Acme IT"');
    expect(result.stdout).to.include(`Pat Lee <${email}>`);
    const user = await testDatabase().db('partner_users').whereRaw('lower(email) = ?', [email]).first();
    expect(user.role).to.equal('owner');
    const t = buildTestApp();
    try {
      const agent = await signInPartner(t.app, { email, password: 'a long and quiet river' });
      const page = await agent.get('/partner/accounts').expect(200);
      expect(page.text).to.include('Acme IT');
    } finally {
      await t.close();
    }
  });

  const refusals: [string, string[], RegExp][] = [
    ['missing arguments', ['--company', 'Acme IT'], /Missing --name[\s\S]*Missing --email[\s\S]*Missing --password/],
    ['an unknown option', ['--company', 'A', '--nmae', 'B'], /Unknown option '--nmae'/],
    ['a malformed email', ['--company', 'A', '--name', 'B', '--email', 'not-an-email', '--password', 'a long and quiet river'], /not a valid email address/],
    ['a short password', ['--company', 'A', '--name', 'B', '--email', 'short@example.test', '--password', 'short'], /at least 12 characters/],
    ['a common password', ['--company', 'A', '--name', 'B', '--email', 'common@example.test', '--password', 'qwerty123456'], /too common/],
  ];
  for (const [what, args, message] of refusals) {
    it(`exits 1 with a clear message for ${what}`, async () => {
      const result = await createPartner(args);
      expect(result.code).to.equal(1);
      expect(result.stderr).to.match(message);
      expect(result.stderr).to.include('Usage: npm run create-partner');
    });
  }

  it('exits 1 when the email is already in use, whatever its case, creating nothing', async () => {
    const email = uniqueEmail('taken');
    expect((await createPartner(['--company', 'First', '--name', 'One', '--email', email, '--password', 'a long and quiet river'])).code).to.equal(0);
    const before = await testDatabase().db('partners').count<{ count: number }[]>('* as count');
    const result = await createPartner(['--company', 'Second', '--name', 'Two', '--email', email.toUpperCase(), '--password', 'a long and quiet river']);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include('already in use');
    const after = await testDatabase().db('partners').count<{ count: number }[]>('* as count');
    expect(after[0].count).to.equal(before[0].count);
  });
});
