import crypto from 'node:crypto';
import { expect } from 'chai';
import supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { KEY_CODE_ALPHABET } from '../../lib/codes.ts';
import { ACTIVATION_LIMIT } from '../../controllers/api/installations.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, type TestApp, type TestPartner } from '../support/app.ts';
import { purchaseFor, type TestAccount } from '../support/fixtures.ts';

const SERIAL_NUMBER = new RegExp(`^CB\\d{4}-[${KEY_CODE_ALPHABET}]{4}-[${KEY_CODE_ALPHABET}]{4}$`);
const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

// The app trusts X-Forwarded-For here, so each test activates from its own address and
// no test spends another's activation allowance.
let addressCounter = 0;
function newAddress(): string {
  addressCounter += 1;
  return `198.51.${Math.floor(addressCounter / 250)}.${(addressCounter % 250) + 1}`;
}

const installationsOf = (subscriptionId: number) =>
  testDatabase().db('installations').where({ subscription_id: subscriptionId }).orderBy('id').select('*');

describe('client API: POST /api/v1/installations', () => {
  let t: TestApp;
  let partner: TestPartner;

  before(async () => {
    t = buildTestApp({ TRUST_PROXY: 'true' });
    partner = await createTestPartner('Activation Test IT');
  });
  after(() => t.close());

  function activate(body: unknown, address = newAddress()) {
    return supertest(t.app).post(paths.api.installations).set('X-Forwarded-For', address).send(body as object);
  }

  it('activates a computer: 201 with a serial number and a device token whose hash alone is stored, and audits it', async () => {
    const account = await purchaseFor(partner, { administrator: 'partner' });
    const address = newAddress();
    const res = await activate({ keyCode: account.keyCode, computerName: 'Office-PC', platform: 'windows' }, address).expect(201);
    expect(res.headers['content-type']).to.match(/^application\/json/);
    expect(res.headers['cache-control']).to.equal('no-store');
    expect(Object.keys(res.body).sort()).to.deep.equal(['deviceToken', 'serialNumber']);
    expect(res.body.serialNumber).to.match(SERIAL_NUMBER);
    expect(res.body.deviceToken).to.match(/^[A-Za-z0-9_-]{43}$/);

    const [installation] = await installationsOf(account.subscriptionId);
    expect(installation).to.include({ computer_name: 'Office-PC', platform: 'windows', serial_number: res.body.serialNumber });
    expect(installation.device_token_hash).to.equal(sha256(res.body.deviceToken));
    expect(JSON.stringify(installation)).not.to.include(res.body.deviceToken);

    const audit = await testDatabase().db('audit_events').where({ customer_account_id: account.accountId, action: 'installation.activated' }).first();
    expect(audit).to.include({ actor_type: 'client', actor_name: 'Office-PC', partner_id: partner.partnerId, address });
    expect(audit.details).to.include({ serialNumber: res.body.serialNumber, platform: 'windows' });
  });

  it('accepts a key code typed loosely: lower case, spaces, no dashes; and a capitalised platform', async () => {
    const account = await purchaseFor(partner);
    const loose = ` ${account.keyCode.toLowerCase().replace(/-/g, '').replace(/(.{4})/g, '$1 ')} `;
    await activate({ keyCode: loose, computerName: 'Jordans MacBook', platform: 'Mac' }).expect(201);
    const [installation] = await installationsOf(account.subscriptionId);
    expect(installation.platform).to.equal('mac');
  });

  it('gives every installation a different serial number across subscriptions', async () => {
    const accounts = await Promise.all([1, 2, 3].map(() => purchaseFor(partner, { productId: 'safe-backup-pro', planId: 'sbp-core', computers: 4 })));
    const serials = new Set<string>();
    for (const account of accounts) {
      for (const name of ['PC-1', 'PC-2', 'PC-3', 'PC-4']) {
        const res = await activate({ keyCode: account.keyCode, computerName: name, platform: 'windows' }).expect(201);
        serials.add(res.body.serialNumber);
      }
    }
    expect(serials.size).to.equal(12);
  });

  it('treats a computer name the subscription already has, in any case, as a reinstall: same serial number, a new token, no extra seat', async () => {
    const account = await purchaseFor(partner); // Safe: one computer
    const first = await activate({ keyCode: account.keyCode, computerName: 'Kitchen-PC', platform: 'windows' }).expect(201);
    // Reinstalled on the other system: the computer keeps its seat and serial number, under its latest name and platform.
    const again = await activate({ keyCode: account.keyCode, computerName: 'KITCHEN-pc', platform: 'mac' }).expect(201);
    expect(again.body.serialNumber).to.equal(first.body.serialNumber);
    expect(again.body.deviceToken).not.to.equal(first.body.deviceToken);

    const installations = await installationsOf(account.subscriptionId);
    expect(installations).to.have.length(1);
    expect(installations[0]).to.include({ computer_name: 'KITCHEN-pc', platform: 'mac' });
    expect(installations[0].device_token_hash).to.equal(sha256(again.body.deviceToken));
    const audit = await testDatabase().db('audit_events').where({ customer_account_id: account.accountId, action: 'installation.reinstalled' }).first();
    expect(audit).to.include({ actor_type: 'client', actor_name: 'KITCHEN-pc' });

    // The seat is still the one seat: another computer is refused.
    const other = await activate({ keyCode: account.keyCode, computerName: 'Study-PC', platform: 'windows' }).expect(409);
    expect(other.body.error).to.equal('subscription_full');
  });

  it('stops the old device token working after a reinstall, and accepts the new one', async () => {
    const account = await purchaseFor(partner);
    const first = await activate({ keyCode: account.keyCode, computerName: 'Den-Mac', platform: 'mac' }).expect(201);
    const again = await activate({ keyCode: account.keyCode, computerName: 'den-mac', platform: 'mac' }).expect(201);
    const report = { completedAt: new Date().toISOString(), bytes: 10, files: 1 };
    const old = await supertest(t.app).post(paths.api.backups).set('Authorization', `Bearer ${first.body.deviceToken}`).send(report).expect(401);
    expect(old.body.error).to.equal('invalid_token');
    await supertest(t.app).post(paths.api.backups).set('Authorization', `Bearer ${again.body.deviceToken}`).send(report).expect(201);
  });

  it('refuses a new computer on a full subscription with 409 and stores nothing', async () => {
    const account = await purchaseFor(partner, { productId: 'safe-backup-pro', planId: 'sbp-power', computers: 2 });
    await activate({ keyCode: account.keyCode, computerName: 'A', platform: 'windows' }).expect(201);
    await activate({ keyCode: account.keyCode, computerName: 'B', platform: 'mac' }).expect(201);
    const res = await activate({ keyCode: account.keyCode, computerName: 'C', platform: 'windows' }).expect(409);
    expect(res.body).to.deep.equal({
      error: 'subscription_full',
      message:
        'All 2 computers this subscription allows are already activated. To reinstall, use the name of a computer it already has; to add a computer, the subscription needs more computers.',
    });
    expect(await installationsOf(account.subscriptionId)).to.have.length(2);
  });

  it('refuses an ended subscription with 403 and stores nothing, but still activates on its last day', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const lastDay = await purchaseFor(partner);
    await testDatabase().db('subscriptions').where({ id: lastDay.subscriptionId }).update({ ends_on: today });
    await activate({ keyCode: lastDay.keyCode, computerName: 'Last-Day-PC', platform: 'windows' }).expect(201);

    const ended = await purchaseFor(partner);
    await testDatabase().db('subscriptions').where({ id: ended.subscriptionId }).update({ ends_on: yesterday });
    const res = await activate({ keyCode: ended.keyCode, computerName: 'Late-PC', platform: 'windows' }).expect(403);
    expect(res.body.error).to.equal('subscription_ended');
    expect(res.body.message).to.include(`ended on ${yesterday}`);
    expect(await installationsOf(ended.subscriptionId)).to.have.length(0);
  });

  it('refuses a well-formed key code that no subscription has with 422 unknown_key_code', async () => {
    const res = await activate({ keyCode: 'AAAA-AAAA-AAAA-AAAA', computerName: 'PC', platform: 'windows' }).expect(422);
    expect(res.body).to.deep.equal({ error: 'unknown_key_code', message: 'There is no subscription with the key code AAAA-AAAA-AAAA-AAAA. Check it and try again.' });
  });

  describe('bad input: a JSON error naming the problem, never a 500, nothing stored', () => {
    let account: TestAccount;
    before(async () => {
      account = await purchaseFor(partner, { productId: 'safe-backup-pro', planId: 'sbp-core', computers: 10 });
    });
    after(async () => {
      expect(await installationsOf(account.subscriptionId), 'no bad request stored an installation').to.have.length(0);
    });

    const good = () => ({ keyCode: account.keyCode, computerName: 'Reception-PC', platform: 'windows' });
    const fieldCases: [string, () => Record<string, unknown>, string, RegExp][] = [
      ['a missing keyCode', () => ({ ...good(), keyCode: undefined }), 'keyCode', /keyCode is missing/],
      ['a keyCode that is a number', () => ({ ...good(), keyCode: 1234 }), 'keyCode', /keyCode must be a string/],
      ['a keyCode that is not a key code', () => ({ ...good(), keyCode: 'ABC-123' }), 'keyCode', /16 letters and digits/],
      ['a keyCode with look-alike characters', () => ({ ...good(), keyCode: 'O0O0-I1I1-5S5S-B8B8' }), 'keyCode', /16 letters and digits/],
      ['an oversized keyCode', () => ({ ...good(), keyCode: 'A'.repeat(65) }), 'keyCode', /64 characters or fewer/],
      ['a missing computerName', () => ({ ...good(), computerName: undefined }), 'computerName', /computerName is missing/],
      ['a null computerName', () => ({ ...good(), computerName: null }), 'computerName', /computerName is missing/],
      ['a blank computerName', () => ({ ...good(), computerName: '   ' }), 'computerName', /computerName is empty/],
      ['a computerName that is an object', () => ({ ...good(), computerName: { name: 'PC' } }), 'computerName', /must be a string/],
      ['an oversized computerName', () => ({ ...good(), computerName: 'P'.repeat(101) }), 'computerName', /100 characters or fewer/],
      ['a computerName with control characters', () => ({ ...good(), computerName: 'PC\u0000\n2' }), 'computerName', /control characters/],
      ['a missing platform', () => ({ ...good(), platform: undefined }), 'platform', /platform is missing/],
      ['an unknown platform', () => ({ ...good(), platform: 'linux' }), 'platform', /"windows" or "mac"/],
      ['a platform that is a list', () => ({ ...good(), platform: ['windows'] }), 'platform', /must be a string/],
    ];
    for (const [what, body, fieldName, message] of fieldCases) {
      it(`refuses ${what} with 422 naming ${fieldName}`, async () => {
        const res = await activate(body()).expect(422);
        expect(res.body.error).to.equal('invalid_fields');
        expect(Object.keys(res.body.fields)).to.deep.equal([fieldName]);
        expect(res.body.fields[fieldName]).to.match(message);
        expect(res.body.message).to.match(message);
      });
    }

    it('names every wrong field at once', async () => {
      const res = await activate({ keyCode: 7, platform: 'beos' }).expect(422);
      expect(Object.keys(res.body.fields)).to.deep.equal(['keyCode', 'computerName', 'platform']);
    });

    it('ignores fields it does not know', async () => {
      const res = await activate({ ...good(), computerName: 'Extra-Fields-PC', clientVersion: '7.1' }).expect(201);
      expect(res.body.serialNumber).to.match(SERIAL_NUMBER);
      await testDatabase().db('installations').where({ serial_number: res.body.serialNumber }).delete();
    });

    const bodyCases: [string, (r: supertest.Test) => supertest.Test, number, string][] = [
      ['malformed JSON', (r) => r.set('Content-Type', 'application/json').send('{"keyCode": "ABCD-'), 400, 'invalid_json'],
      ['a JSON string instead of an object', (r) => r.set('Content-Type', 'application/json').send('"ACDE-FGHJ-KMNP-QRTU"'), 400, 'invalid_json'],
      ['a JSON list instead of an object', (r) => r.set('Content-Type', 'application/json').send('[]'), 400, 'invalid_request'],
      ['no body at all', (r) => r, 400, 'invalid_request'],
      ['a form body instead of JSON', (r) => r.type('form').send('keyCode=ACDE-FGHJ-KMNP-QRTU'), 415, 'unsupported_media_type'],
      ['a body over 16 kB', (r) => r.set('Content-Type', 'application/json').send(JSON.stringify({ ...good(), padding: 'x'.repeat(17_000) })), 413, 'too_large'],
    ];
    for (const [what, send, status, error] of bodyCases) {
      it(`refuses ${what} with ${status} ${error}`, async () => {
        const res = await send(supertest(t.app).post(paths.api.installations).set('X-Forwarded-For', newAddress()));
        expect(res.status).to.equal(status);
        expect(res.headers['content-type']).to.match(/^application\/json/);
        expect(res.body.error).to.equal(error);
        expect(res.body.message).to.be.a('string').and.not.equal('');
      });
    }

    it('answers other methods with 405 and Allow: POST', async () => {
      const res = await supertest(t.app).get(paths.api.installations).expect(405);
      expect(res.headers.allow).to.equal('POST');
      expect(res.body.error).to.equal('method_not_allowed');
    });
  });

  it(`rate limits activations per address: ${ACTIVATION_LIMIT.max} attempts, then 429 with Retry-After, other addresses unaffected`, async () => {
    const account = await purchaseFor(partner);
    const address = newAddress();
    for (let i = 0; i < ACTIVATION_LIMIT.max; i += 1) {
      // Good and bad attempts count alike, so guessing key codes gains nothing.
      const res = await activate({ keyCode: 'AAAA-AAAA-AAAA-AAAA', computerName: 'PC', platform: 'windows' }, address);
      expect(res.status, `attempt ${i + 1}`).to.equal(422);
    }
    const limited = await activate({ keyCode: account.keyCode, computerName: 'PC', platform: 'windows' }, address).expect(429);
    expect(limited.body.error).to.equal('too_many_requests');
    expect(limited.body.message).to.match(/Too many activations from this address/);
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).to.be.within(1, ACTIVATION_LIMIT.windowSeconds);
    expect(await installationsOf(account.subscriptionId)).to.have.length(0);

    await activate({ keyCode: account.keyCode, computerName: 'PC', platform: 'windows' }, newAddress()).expect(201);
  });

  it('lets concurrent activations take no more than the seats the subscription allows', async () => {
    const account = await purchaseFor(partner, { productId: 'safe-backup-pro', planId: 'sbp-core', computers: 3 });
    await activate({ keyCode: account.keyCode, computerName: 'First', platform: 'windows' }).expect(201);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => activate({ keyCode: account.keyCode, computerName: `Racer-${i}`, platform: 'windows' })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).to.have.length(2);
    expect(statuses.filter((s) => s === 409)).to.have.length(8);
    expect(await installationsOf(account.subscriptionId)).to.have.length(3);
  });

  it('keeps one installation when the same computer activates twice at once', async () => {
    const account = await purchaseFor(partner, { productId: 'safe-backup-pro', planId: 'sbp-core', computers: 5 });
    const results = await Promise.all(
      ['Twin-PC', 'twin-pc', 'TWIN-PC'].map((computerName) => activate({ keyCode: account.keyCode, computerName, platform: 'windows' })),
    );
    expect(results.map((r) => r.status)).to.deep.equal([201, 201, 201]);
    expect(new Set(results.map((r) => r.body.serialNumber)).size).to.equal(1);
    const installations = await installationsOf(account.subscriptionId);
    expect(installations).to.have.length(1);
    // Only the token handed out last still works.
    const live = results.filter((r) => sha256(r.body.deviceToken) === installations[0].device_token_hash);
    expect(live).to.have.length(1);
  });
});
