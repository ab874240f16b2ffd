import { expect } from 'chai';
import supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { activateInstallation } from '../../models/installations.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, type TestApp, type TestPartner } from '../support/app.ts';
import { purchaseFor } from '../support/fixtures.ts';

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

describe('client API: POST /api/v1/installations/backups', () => {
  let t: TestApp;
  let partner: TestPartner;
  let computer = 0;

  before(async () => {
    t = buildTestApp();
    partner = await createTestPartner('Backup Test IT');
  });
  after(() => t.close());

  // A computer activated through the model, as the seed does; the API's activation has its own tests.
  async function activatedComputer(): Promise<{ token: string; installationId: number; serialNumber: string }> {
    const account = await purchaseFor(partner, { administrator: 'partner' });
    computer += 1;
    const activation = await activateInstallation(testDatabase().db, { keyCode: account.keyCode, computerName: `Backup-PC-${computer}`, platform: 'windows' });
    return { token: activation.deviceToken, installationId: activation.installationId, serialNumber: activation.serialNumber };
  }

  function report(token: string | undefined, body: unknown) {
    const req = supertest(t.app).post(paths.api.backups);
    if (token !== undefined) req.set('Authorization', `Bearer ${token}`);
    return req.send(body as object);
  }

  const installation = (id: number) => testDatabase().db('installations').where({ id }).first();
  const backupsOf = (id: number) => testDatabase().db('backups').where({ installation_id: id }).orderBy('completed_at').select('*');

  it('records a finished backup and moves the installation’s last backup, answering 201 with what was recorded', async () => {
    const pc = await activatedComputer();
    const completedAt = minutesAgo(30);
    const res = await report(pc.token, { completedAt: completedAt.toISOString(), bytes: 5_368_709_120, files: 1234 }).expect(201);
    expect(res.headers['cache-control']).to.equal('no-store');
    expect(res.body).to.deep.equal({
      serialNumber: pc.serialNumber,
      completedAt: completedAt.toISOString(),
      bytes: 5_368_709_120,
      files: 1234,
      lastBackupAt: completedAt.toISOString(),
    });
    const row = await installation(pc.installationId);
    expect(row.last_backup_at.toISOString()).to.equal(completedAt.toISOString());
    expect(row).to.include({ last_backup_bytes: 5_368_709_120, last_backup_files: 1234 });
    const backups = await backupsOf(pc.installationId);
    expect(backups).to.have.length(1);
    expect(backups[0]).to.include({ bytes: 5_368_709_120, files: 1234 });
  });

  it('accepts a time with an offset and a clock a couple of minutes fast', async () => {
    const pc = await activatedComputer();
    await report(pc.token, { completedAt: '2026-01-31T23:15:00.250+01:00', bytes: 1, files: 1 }).expect(201);
    const ahead = new Date(Date.now() + 2 * 60_000);
    await report(pc.token, { completedAt: ahead.toISOString(), bytes: 2, files: 2 }).expect(201);
    const backups = await backupsOf(pc.installationId);
    expect(backups.map((b) => b.completed_at.toISOString())).to.deep.equal(['2026-01-31T22:15:00.250Z', ahead.toISOString()]);
  });

  it('moves the last backup only forward: an older report is recorded but changes nothing on the installation', async () => {
    const pc = await activatedComputer();
    const newer = minutesAgo(10);
    await report(pc.token, { completedAt: newer.toISOString(), bytes: 200, files: 20 }).expect(201);
    const older = await report(pc.token, { completedAt: minutesAgo(120).toISOString(), bytes: 100, files: 10 }).expect(201);
    expect(older.body.lastBackupAt).to.equal(newer.toISOString());
    const row = await installation(pc.installationId);
    expect(row.last_backup_at.toISOString()).to.equal(newer.toISOString());
    expect(row).to.include({ last_backup_bytes: 200, last_backup_files: 20 });
    expect(await backupsOf(pc.installationId)).to.have.length(2);

    const newest = minutesAgo(1);
    await report(pc.token, { completedAt: newest.toISOString(), bytes: 300, files: 30 }).expect(201);
    expect(await installation(pc.installationId)).to.include({ last_backup_bytes: 300, last_backup_files: 30 });
  });

  it('records a repeated report once, answering 200 the second time', async () => {
    const pc = await activatedComputer();
    const body = { completedAt: minutesAgo(5).toISOString(), bytes: 42, files: 7 };
    const [first, second] = await Promise.all([report(pc.token, body), report(pc.token, body)]);
    expect([first.status, second.status].sort()).to.deep.equal([200, 201]);
    expect(second.body).to.deep.equal(first.body);
    expect(await backupsOf(pc.installationId)).to.have.length(1);
  });

  describe('without a valid device token: 401 JSON, nothing stored', () => {
    const body = () => ({ completedAt: new Date().toISOString(), bytes: 1, files: 1 });
    let before: number;
    const backupCount = async () => Number((await testDatabase().db('backups').count<{ n: number }[]>('* as n'))[0].n);
    beforeEach(async () => {
      before = await backupCount();
    });
    afterEach(async () => {
      expect(await backupCount()).to.equal(before);
    });

    it('refuses a request without Authorization', async () => {
      const res = await report(undefined, body()).expect(401);
      expect(res.headers['www-authenticate']).to.equal('Bearer');
      expect(res.body.error).to.equal('unauthorized');
      expect(res.body.message).to.include('Authorization: Bearer');
    });

    it('refuses another kind of Authorization', async () => {
      const res = await supertest(t.app).post(paths.api.backups).set('Authorization', 'Basic dXNlcjpwYXNz').send(body()).expect(401);
      expect(res.body.error).to.equal('unauthorized');
    });

    it('refuses a token no installation holds', async () => {
      const res = await report('not-a-real-device-token-at-all-0123456789abc', body()).expect(401);
      expect(res.headers['www-authenticate']).to.equal('Bearer error="invalid_token"');
      expect(res.body.error).to.equal('invalid_token');
    });
  });

  describe('bad values: 422 naming the field, nothing stored', () => {
    let pc: { token: string; installationId: number };
    before(async () => {
      pc = await activatedComputer();
    });
    after(async () => {
      expect(await backupsOf(pc.installationId)).to.have.length(0);
      expect((await installation(pc.installationId)).last_backup_at).to.equal(null);
    });

    const good = () => ({ completedAt: minutesAgo(1).toISOString(), bytes: 1000, files: 10 });
    const cases: [string, () => Record<string, unknown>, string, RegExp][] = [
      ['a missing completedAt', () => ({ ...good(), completedAt: undefined }), 'completedAt', /completedAt is missing/],
      ['a completedAt that is a number', () => ({ ...good(), completedAt: Date.now() }), 'completedAt', /must be a string/],
      ['a completedAt in words', () => ({ ...good(), completedAt: 'yesterday' }), 'completedAt', /ISO 8601/],
      ['a completedAt without an offset', () => ({ ...good(), completedAt: '2026-01-31T22:15:00' }), 'completedAt', /ISO 8601/],
      ['a completedAt on a day that does not exist', () => ({ ...good(), completedAt: '2026-02-30T10:00:00Z' }), 'completedAt', /ISO 8601/],
      ['a completedAt at hour 25', () => ({ ...good(), completedAt: '2026-01-31T25:00:00Z' }), 'completedAt', /ISO 8601/],
      ['a completedAt ten minutes ahead', () => ({ ...good(), completedAt: new Date(Date.now() + 10 * 60_000).toISOString() }), 'completedAt', /in the future/],
      ['a missing bytes', () => ({ ...good(), bytes: undefined }), 'bytes', /bytes is missing/],
      ['negative bytes', () => ({ ...good(), bytes: -1 }), 'bytes', /must not be negative/],
      ['fractional bytes', () => ({ ...good(), bytes: 1.5 }), 'bytes', /whole number/],
      ['bytes as a string', () => ({ ...good(), bytes: '1000' }), 'bytes', /must be a number/],
      ['bytes beyond a safe integer', () => ({ ...good(), bytes: 2 ** 60 }), 'bytes', /at most/],
      ['a missing files', () => ({ ...good(), files: undefined }), 'files', /files is missing/],
      ['negative files', () => ({ ...good(), files: -3 }), 'files', /must not be negative/],
      ['fractional files', () => ({ ...good(), files: 0.5 }), 'files', /whole number/],
      ['files beyond the column', () => ({ ...good(), files: 3_000_000_000 }), 'files', /at most 2147483647/],
      ['files as true', () => ({ ...good(), files: true }), 'files', /must be a number/],
    ];
    for (const [what, body, fieldName, message] of cases) {
      it(`refuses ${what}`, async () => {
        const res = await report(pc.token, body()).expect(422);
        expect(res.body.error).to.equal('invalid_fields');
        expect(Object.keys(res.body.fields)).to.deep.equal([fieldName]);
        expect(res.body.fields[fieldName]).to.match(message);
      });
    }

    it('refuses malformed JSON with 400 and a list with 400', async () => {
      const malformed = await supertest(t.app)
        .post(paths.api.backups)
        .set('Authorization', `Bearer ${pc.token}`)
        .set('Content-Type', 'application/json')
        .send('{"bytes": 1,')
        .expect(400);
      expect(malformed.body.error).to.equal('invalid_json');
      const list = await report(pc.token, [good()]).expect(400);
      expect(list.body.error).to.equal('invalid_request');
    });
  });
});
