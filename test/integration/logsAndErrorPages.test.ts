// Issue 14 item 5: logs and error pages. A logged database error names its SQL, not the
// values bound to it or the row they belong to; tokens never reach the request log; the
// error pages' "Go back" link only ever leads to a path on this site.
import { Writable } from 'node:stream';
import { expect } from 'chai';
import express from 'express';
import supertest from 'supertest';
import { createLogger } from '../../lib/boot/logger.ts';
import { createKnex } from '../../lib/db/database.ts';
import { errorHandler } from '../../lib/http/errors.ts';
import { setUpViews } from '../../lib/views/engine.ts';
import { paths } from '../../lib/paths.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, testConfig, type TestApp } from '../support/app.ts';

function memoryLog(): { lines: () => string; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  return { lines: () => chunks.join(''), stream };
}

describe('logs and error pages', () => {
  describe('a failed query logged by the error handler', () => {
    const passwordHash = '$2b$12$NeverLoggedPasswordHashValueXXXXXXXXXXXXXXXXXXXXXXXXX';
    const tokenHash = 'never-logged-token-hash-0123456789abcdef0123456789abcdef';
    const email = 'never.logged@example.test';

    it('names the SQL and the constraint, never the values, the failing row or the password hash', async () => {
      const partner = await createTestPartner('Quiet Logs IT');
      const log = memoryLog();
      const logger = createLogger('error', log.stream);
      // The app's own knex factory, on the real database.
      const db = createKnex(testDatabase().url, 2, logger);
      const app = express();
      setUpViews(app, testConfig());
      // A NOT NULL violation: PostgreSQL's detail is the whole failing row, hash included.
      app.get('/fails-not-null', async () => {
        await db('partner_users').insert({ partner_id: partner.partnerId, name: null, email, password_hash: passwordHash, role: 'owner' });
      });
      // A unique violation: the detail names the duplicated value.
      app.get('/fails-unique', async () => {
        await db('partner_users').insert({ partner_id: partner.partnerId, name: 'Copy', email: partner.email, password_hash: passwordHash, role: 'owner' });
      });
      // A foreign key violation with a token's hash among the values.
      app.get('/fails-foreign-key', async () => {
        await db('registration_invitations').insert({ customer_account_id: 987_654_321, email, token_hash: tokenHash, expires_at: new Date() });
      });
      app.use(errorHandler(logger, true));
      try {
        for (const url of ['/fails-not-null', '/fails-unique', '/fails-foreign-key']) {
          const res = await supertest(app).get(url).expect(500);
          expect(res.text).to.include('Sorry, something went wrong on our side.');
        }
      } finally {
        await db.destroy();
      }
      const lines = log.lines();
      expect(lines.split('\n').filter(Boolean)).to.have.length(3);
      expect(lines).to.include('insert into \\"partner_users\\"');
      expect(lines).to.include('$1');
      expect(lines).to.include('registration_invitations_customer_account_id_foreign');
      for (const secret of [passwordHash, tokenHash, email, partner.email, 'Failing row contains', '987654321']) {
        expect(lines, secret).not.to.include(secret);
      }
    });
  });

  describe('the request log', () => {
    it('writes emailed tokens in paths as [token]', async () => {
      const log = memoryLog();
      const t = buildTestApp({}, createLogger('info', log.stream));
      try {
        const token = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcdef';
        await supertest(t.app).get(paths.registration.start(token));
        await supertest(t.app).get(paths.portal.resetPassword(token));
        await supertest(t.app).get(`/partner/reset-password/${token}`);
        expect(log.lines()).to.include('/register/[token]');
        expect(log.lines()).to.include('/portal/reset-password/[token]');
        expect(log.lines()).to.include('/partner/reset-password/[token]');
        expect(log.lines()).not.to.include(token);
      } finally {
        await t.close();
      }
    });
  });

  describe('the "Go back" link', () => {
    let t: TestApp;
    before(() => {
      t = buildTestApp();
    });
    after(() => t.close());

    // A form sent without its token: the "This form has expired" page, with its link back.
    async function backLinkFor(referer: string): Promise<string> {
      const res = await supertest(t.app).post(paths.partner.signIn).set('Host', 'portal.test').set('Referer', referer).type('form').send({ email: 'a@b.test' }).expect(403);
      return /<a class="button" href="([^"]*)">Go back to the form<\/a>/.exec(res.text)![1];
    }

    it('leads back to the page the visitor came from on this site', async () => {
      expect(await backLinkFor('http://portal.test/partner/sign-in?next=%2Fpartner%2Faccounts')).to.equal('/partner/sign-in?next=%2Fpartner%2Faccounts');
    });

    it('never leads to another host, whatever the Referer says', async () => {
      for (const referer of [
        'http://portal.test//evil.example/phish',
        'http://portal.test/\\evil.example/phish',
        'http://portal.test/%5C/evil.example',
        'https://evil.example/partner/sign-in',
        'http://portal.test.evil.example/x',
        'javascript:alert(1)',
      ]) {
        const back = await backLinkFor(referer);
        expect(back, referer).to.match(/^\/(?![/\\])/);
        expect(back, referer).not.to.include('evil.example/phish');
      }
      expect(await backLinkFor('http://portal.test//evil.example/phish')).to.equal('/');
      expect(await backLinkFor('http://portal.test/\\evil.example/phish')).to.equal('/');
    });
  });
});
