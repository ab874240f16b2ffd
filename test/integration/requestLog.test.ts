// One log line per request, with the request's id, and never an emailed token.
import { Writable } from 'node:stream';
import { expect } from 'chai';
import supertest from 'supertest';
import { createLogger } from '../../lib/boot/logger.ts';
import { paths } from '../../lib/paths.ts';
import { buildTestApp, type TestApp } from '../support/app.ts';

interface LogLine {
  level: number;
  msg: string;
  req: { id: string; method: string; url: string; remoteAddress: string };
  res: { statusCode: number };
  responseTime: number;
}

const INFO = 30;
const WARN = 40;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function appLoggingAt(level: string): { testApp: TestApp; lines: () => LogLine[]; text: () => string } {
  const written: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      written.push(String(chunk));
      done();
    },
  });
  const testApp = buildTestApp({}, createLogger(level, destination));
  return {
    testApp,
    lines: () => written.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line) as LogLine),
    text: () => written.join(''),
  };
}

// The line is written when the response closes, a moment after supertest has the answer.
const closed = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('request log', () => {
  let logged: ReturnType<typeof appLoggingAt>;
  afterEach(async () => logged?.testApp.close());

  it('writes one line per request with its id, which the response carries as X-Request-Id', async () => {
    logged = appLoggingAt('info');
    const res = await supertest(logged.testApp.app).get(paths.partner.signIn).expect(200);
    await closed();
    expect(res.headers['x-request-id']).to.match(UUID);
    expect(logged.lines()).to.have.length(1);
    const [line] = logged.lines();
    expect(line.level).to.equal(INFO);
    expect(line.msg).to.equal('request completed');
    expect(line.req).to.include({ id: res.headers['x-request-id'], method: 'GET', url: paths.partner.signIn });
    expect(line.res).to.deep.equal({ statusCode: 200 });
    expect(line.responseTime).to.be.a('number').and.at.least(0);
  });

  it("keeps the caller's request id when it looks like one, and replaces one that does not", async () => {
    logged = appLoggingAt('info');
    const kept = await supertest(logged.testApp.app).get(paths.partner.signIn).set('X-Request-Id', 'edge-7f3a9c21').expect(200);
    const replaced = await supertest(logged.testApp.app).get(paths.partner.signIn).set('X-Request-Id', 'x","forged":"1').expect(200);
    await closed();
    expect(kept.headers['x-request-id']).to.equal('edge-7f3a9c21');
    expect(replaced.headers['x-request-id']).to.match(UUID);
    expect(logged.lines().map((l) => l.req.id)).to.deep.equal(['edge-7f3a9c21', replaced.headers['x-request-id']]);
    expect(logged.text()).not.to.contain('forged');
  });

  it('writes an emailed token in the path as [token], in registration and password reset links', async () => {
    logged = appLoggingAt('info');
    const token = 'Zq8v1Tt0kEnThatMustNotBeLogged0123456789ab';
    await supertest(logged.testApp.app).get(paths.registration.start(token));
    await supertest(logged.testApp.app).get(`${paths.portal.resetPassword(token)}?from=email`);
    await closed();
    expect(logged.lines().map((l) => l.req.url)).to.deep.equal(['/register/[token]', '/portal/reset-password/[token]?from=email']);
    expect(logged.text()).not.to.contain(token);
  });

  it('logs a 404 as a warning, and with LOG_LEVEL=warn only what is worth a warning', async () => {
    logged = appLoggingAt('warn');
    await supertest(logged.testApp.app).get(paths.partner.signIn).expect(200);
    await supertest(logged.testApp.app).get('/no-such-page').expect(404);
    await closed();
    expect(logged.lines()).to.have.length(1);
    const [line] = logged.lines();
    expect(line).to.deep.include({ level: WARN, msg: 'request completed' });
    expect(line.res.statusCode).to.equal(404);
  });

  it('does not log health probes, nor give them a request id', async () => {
    logged = appLoggingAt('info');
    const health = await supertest(logged.testApp.app).get(paths.health).expect(200);
    await closed();
    expect(health.headers['x-request-id']).to.equal(undefined);
    expect(logged.lines()).to.have.length(0);
  });
});
