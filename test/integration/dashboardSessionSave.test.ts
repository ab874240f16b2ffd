import http from 'node:http';
import { expect } from 'chai';
import supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, csrfTokenFrom, listen, sessionIdFrom, type TestApp, type TestPartner } from '../support/app.ts';
import { purchaseFor } from '../support/fixtures.ts';

// A browser follows a redirect as soon as its headers arrive. Sent before the changed
// session is stored (as express-session, used at first, sent them), the next page could miss
// the flash or the purchase draft. Holding a lock on the session row shows whether the
// redirect waits.

function cookieOf(res: supertest.Response): string {
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  return cookies.find((c) => c.startsWith('portal.sid='))!.split(';')[0];
}

// POSTs a form and answers when the response's headers arrive.
function post(url: string, cookie: string, fields: Record<string, string>): { headers: Promise<http.IncomingMessage> } {
  const body = new URLSearchParams(fields).toString();
  const headers = new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      resolve(res);
    });
    req.on('error', reject);
    req.end(body);
  });
  return { headers };
}

describe('redirects wait until the session they rely on is stored', () => {
  let t: TestApp;
  let server: Awaited<ReturnType<typeof listen>>;
  let partner: TestPartner;
  let cookie: string;

  before(async () => {
    t = buildTestApp();
    server = await listen(t.app);
    partner = await createTestPartner('Session Save IT');
    const page = await supertest(t.app).get(paths.partner.signIn).expect(200);
    const signedIn = await supertest(t.app)
      .post(paths.partner.signIn)
      .set('Cookie', cookieOf(page))
      .type('form')
      .send({ email: partner.email, password: partner.password, _csrf: csrfTokenFrom(page.text) })
      .expect(303);
    cookie = cookieOf(signedIn);
  });
  after(async () => {
    await server.close();
    await t.close();
  });

  async function withSessionLocked(send: () => { headers: Promise<http.IncomingMessage> }): Promise<{ earlyStatus: number | undefined; status: number }> {
    const trx = await testDatabase().db.transaction();
    await trx('session').where({ sid: sessionIdFrom(cookie) }).forUpdate().first('sid');
    const { headers } = send();
    const early = await Promise.race([headers, new Promise<undefined>((resolve) => setTimeout(resolve, 700))]);
    await trx.commit();
    return { earlyStatus: early?.statusCode, status: (await headers).statusCode! };
  }

  async function storedSession(): Promise<Record<string, unknown>> {
    return (await testDatabase().db('session').where({ sid: sessionIdFrom(cookie) }).first('sess')).sess;
  }

  it('Resend registration email: no redirect before the flash is stored', async () => {
    const account = await purchaseFor(partner);
    const dashboard = await supertest(t.app).get(paths.partner.account(account.accountId)).set('Cookie', cookie).expect(200);
    const csrf = csrfTokenFrom(dashboard.text);
    const result = await withSessionLocked(() => post(`${server.url}${paths.partner.resendRegistration(account.accountId)}`, cookie, { _csrf: csrf }));
    expect(result.earlyStatus, 'the redirect was sent while the session was still being written').to.equal(undefined);
    expect(result.status).to.equal(303);
    expect((await storedSession()).flash).to.have.property('kind', 'success');
  });

  it('New purchase, Continue: no redirect to the review page before the draft is stored', async () => {
    const form = await supertest(t.app).get(paths.partner.newPurchase).set('Cookie', cookie).expect(200);
    const fields = {
      _csrf: csrfTokenFrom(form.text),
      customerName: 'Waiting Room Dental',
      customerEmail: 'waiting.room@example.test',
      product: 'safe',
      plan: 'safe-basic',
      computers: '1',
      term: '1',
      administrator: 'partner',
    };
    const result = await withSessionLocked(() => post(`${server.url}${paths.partner.newPurchase}`, cookie, fields));
    expect(result.earlyStatus).to.equal(undefined);
    expect(result.status).to.equal(303);
    expect((await storedSession()).purchase).to.have.nested.property('draft.customerName', 'Waiting Room Dental');
  });
});
