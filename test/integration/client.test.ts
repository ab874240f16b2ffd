import { execFile } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { projectRoot } from '../../lib/boot/projectRoot.ts';
import { testDatabase, freePort } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, listen, type TestApp, type TestPartner } from '../support/app.ts';
import { purchaseFor } from '../support/fixtures.ts';

const tsx = path.join(projectRoot, 'node_modules', '.bin', 'tsx');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

// bin/client.ts as a child process, speaking HTTP to the portal at APP_URL like the real client.
function client(appUrl: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      tsx,
      [path.join(projectRoot, 'bin', 'client.ts'), ...args],
      { env: { ...process.env, NODE_ENV: 'test', APP_URL: appUrl }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const line = (stdout: string, label: string) => new RegExp(`^${label}: (\\S+)$`, 'm').exec(stdout)?.[1];

describe('npm run client (the stand-in for the installed client)', function () {
  this.timeout(60_000);
  let t: TestApp;
  let server: { url: string; close(): Promise<void> };
  let partner: TestPartner;

  before(async () => {
    t = buildTestApp();
    server = await listen(t.app);
    partner = await createTestPartner('Client Test IT');
  });
  after(async () => {
    await server.close();
    await t.close();
  });

  it('activates a computer, prints its serial number and device token, then reports a backup with that token', async () => {
    const account = await purchaseFor(partner, { administrator: 'partner' });
    const activated = await client(server.url, ['activate', '--key-code', account.keyCode.toLowerCase(), '--computer-name', 'Front Desk', '--platform', 'windows']);
    expect(activated.code, activated.stderr).to.equal(0);
    const serialNumber = line(activated.stdout, 'Serial number');
    const deviceToken = line(activated.stdout, 'Device token');
    const installation = await testDatabase().db('installations').where({ subscription_id: account.subscriptionId }).first();
    expect(installation).to.include({ computer_name: 'Front Desk', platform: 'windows', serial_number: serialNumber });

    const before = Date.now();
    const backup = await client(server.url, ['backup', '--device-token', deviceToken!, '--bytes', '1048576', '--files', '120']);
    expect(backup.code, backup.stderr).to.equal(0);
    expect(backup.stdout).to.include(`120 files (1048576 bytes)`).and.include(serialNumber!);
    const after = await testDatabase().db('installations').where({ id: installation.id }).first();
    expect(after).to.include({ last_backup_bytes: 1048576, last_backup_files: 120 });
    expect(after.last_backup_at.getTime()).to.be.within(before - 1000, Date.now());
  });

  it('reports a backup of nothing when --bytes and --files are left out', async () => {
    const account = await purchaseFor(partner);
    const activated = await client(server.url, ['activate', '--key-code', account.keyCode, '--computer-name', 'Mac Mini', '--platform', 'mac']);
    expect(activated.code, activated.stderr).to.equal(0);
    const backup = await client(server.url, ['backup', '--device-token', line(activated.stdout, 'Device token')!]);
    expect(backup.code, backup.stderr).to.equal(0);
    const installation = await testDatabase().db('installations').where({ subscription_id: account.subscriptionId }).first();
    expect(installation).to.include({ last_backup_bytes: 0, last_backup_files: 0 });
  });

  it('exits 1 with the portal’s message when the portal refuses, e.g. an unknown key code or a stale token', async () => {
    const unknown = await client(server.url, ['activate', '--key-code', 'AAAA-AAAA-AAAA-AAAA', '--computer-name', 'PC', '--platform', 'windows']);
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.include('The portal refused (422 unknown_key_code): There is no subscription with the key code AAAA-AAAA-AAAA-AAAA');
    expect(unknown.stdout).to.equal('');

    const stale = await client(server.url, ['backup', '--device-token', 'no-such-device-token-0123456789']);
    expect(stale.code).to.equal(1);
    expect(stale.stderr).to.include('401 invalid_token');
  });

  it('takes a device token that starts with a dash, as base64url tokens sometimes do', async () => {
    const result = await client(server.url, ['backup', '--device-token', '-no-such-device-token-0123456789']);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include('401 invalid_token');
  });

  const refusals: [string, string[], RegExp][] = [
    ['no command', [], /Say what to do: activate or backup/],
    ['an unknown command', ['restore'], /Unknown command "restore"/],
    ['missing activate options', ['activate', '--key-code', 'ACDE-FGHJ-KMNP-QRTU'], /Missing --computer-name[\s\S]*Missing --platform/],
    ['an unknown platform', ['activate', '--key-code', 'K', '--computer-name', 'N', '--platform', 'linux'], /--platform must be windows or mac, got "linux"/],
    ['an unknown option', ['activate', '--keycode', 'K'], /Unknown option '--keycode'/],
    ['a missing device token', ['backup', '--bytes', '5'], /Missing --device-token/],
    ['bytes that are not a number', ['backup', '--device-token', 'T', '--bytes', 'lots'], /--bytes must be a whole number of 0 or more, got "lots"/],
    ['negative files', ['backup', '--device-token', 'T', '--files=-1'], /--files must be a whole number of 0 or more, got "-1"/],
  ];
  for (const [what, args, message] of refusals) {
    it(`exits 1 with a clear message and the usage for ${what}`, async () => {
      const result = await client(server.url, args);
      expect(result.code).to.equal(1);
      expect(result.stderr).to.match(message);
      expect(result.stderr).to.include('Usage:');
    });
  }

  it('exits 1 saying where it looked when the portal cannot be reached', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const result = await client(closed, ['activate', '--key-code', 'ACDE-FGHJ-KMNP-QRTU', '--computer-name', 'PC', '--platform', 'mac']);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include(`Could not reach the portal at ${closed}/api/v1/installations`);
  });
});
