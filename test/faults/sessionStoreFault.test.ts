// The session store fails for one query while the rest of the database works (a dropped
// connection, a pool that timed out): the user gets the 503 page for that request only,
// stays signed in, and the browser's connection is not cut.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { paths } from '../../lib/paths.ts';
import { createLogger } from '../../lib/boot/logger.ts';
import { createSessionStore, type SessionStore } from '../../lib/session/session.ts';
import { createApp } from '../../app.ts';
import { createHttpServer } from '../../lib/http/server.ts';
import { testDatabase } from '../support/hooks.ts';
import { createTestPartner, testConfig, type TestPartner } from '../support/app.ts';
import { WebClient } from './support/webClient.ts';
import { signInPartner } from './support/journeys.ts';
import { titleOf } from './support/html.ts';

describe('fault: the session store fails for a moment', () => {
  let server: http.Server;
  let url: string;
  let partner: TestPartner;
  let connections = 0;
  const failNext = { read: 0, write: 0 };
  let storage: SessionStore;

  before(async () => {
    const logger = createLogger('silent');
    storage = createSessionStore(testDatabase().url, logger, testConfig());
    const pool = storage.pool;
    const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
    // The store's reads and writes fail on demand, the way a lost connection fails them.
    pool.query = ((text: unknown, ...rest: unknown[]) => {
      const sql = typeof text === 'string' ? text : '';
      const kind = /^SELECT sess\b/.test(sql) ? 'read' : /^(INSERT INTO|UPDATE) "?session"? /.test(sql) ? 'write' : undefined;
      if (kind && failNext[kind] > 0) {
        failNext[kind] -= 1;
        return Promise.reject(new Error('Connection terminated unexpectedly'));
      }
      return query(text, ...rest);
    }) as typeof pool.query;
    server = createHttpServer(createApp({ config: testConfig(), db: testDatabase().db, logger, sessions: storage }));
    server.on('connection', () => {
      connections += 1;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    partner = await createTestPartner('Session Store Fault IT');
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await storage.end();
  });

  it('answers 503 when the session cannot be read, and keeps the user signed in for the next request', async () => {
    const client = new WebClient(url);
    await signInPartner(client, partner);
    expect((await client.get(paths.partner.accounts)).status).to.equal(200);

    failNext.read = 1;
    const failed = await client.get(paths.partner.accounts);
    expect(failed.status).to.equal(503);
    expect(titleOf(failed.text)).to.match(/^Service unavailable/);

    const after = await client.get(paths.partner.accounts);
    expect(after.status, 'still signed in').to.equal(200);
  });

  it('answers 503 on the same connection when a changed session cannot be stored, and works again at once', async () => {
    const client = new WebClient(url);
    // The first request opens the one keep-alive connection the following ones reuse.
    expect((await client.get(paths.health)).status).to.equal(200);
    const before = connections;
    failNext.write = 1;
    // The sign-in form starts a session for its token; a form whose token's session was not
    // stored could only fail when sent, so the 503 page goes out instead.
    const refused = await client.get(paths.partner.signIn);
    expect(refused.status).to.equal(503);
    expect(titleOf(refused.text)).to.match(/^Service unavailable/);
    expect(failNext.write, 'the store was asked to write').to.equal(0);
    for (let i = 0; i < 3; i += 1) expect((await client.get(paths.health)).status).to.equal(200);
    expect(connections - before, 'no connection was cut and opened again').to.equal(0);
    // And the next visit starts a session that works.
    await signInPartner(client, partner);
    expect((await client.get(paths.partner.accounts)).status).to.equal(200);
  });
});
