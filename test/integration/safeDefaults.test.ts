// Issue 14 item 3: safe whatever the environment says. The developer mailbox, the
// development session secret and cookies without Secure are for a developer's machine only,
// and a request cannot smuggle in a second session cookie.
import { expect } from 'chai';
import supertest from 'supertest';
import { ConfigError, loadConfig } from '../../lib/boot/config.ts';
import { createLogger } from '../../lib/boot/logger.ts';
import { createSessionStore, SECURE_SESSION_COOKIE, SESSION_COOKIE, withoutDuplicateCookie } from '../../lib/session/session.ts';
import { createApp } from '../../app.ts';
import { paths } from '../../lib/paths.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, csrfTokenFrom, type TestApp, type TestPartner } from '../support/app.ts';

const SECRET = 'test-session-secret-that-is-long-enough-1234';

// The app built from exactly this environment (no NODE_ENV unless given).
function appFromEnvironment(env: Record<string, string>) {
  const logger = createLogger('silent');
  const config = loadConfig({ SESSION_SECRET: SECRET, DATABASE_URL: testDatabase().url, LOG_LEVEL: 'silent', ...env });
  const sessions = createSessionStore(testDatabase().url, logger, config);
  return { app: createApp({ config, db: testDatabase().db, logger, sessions }), close: () => sessions.end() };
}

function setCookies(res: supertest.Response): string[] {
  return ([] as string[]).concat(res.headers['set-cookie'] ?? []);
}

describe('safe whatever the environment says', () => {
  describe('the developer mailbox', () => {
    for (const [what, env] of [
      ['SMTP_URL set and NODE_ENV unset', { SMTP_URL: 'smtp://127.0.0.1:2525' }],
      ['SMTP_URL set and NODE_ENV development', { SMTP_URL: 'smtp://127.0.0.1:2525', NODE_ENV: 'development' }],
      ['SMTP_URL set and NODE_ENV test', { SMTP_URL: 'smtp://127.0.0.1:2525', NODE_ENV: 'test' }],
    ] as const) {
      it(`is a 404 with ${what}`, async () => {
        const built = appFromEnvironment(env);
        try {
          const res = await supertest(built.app).get(paths.devMailbox.index).expect(404);
          expect(res.text).to.include('Page not found');
          await supertest(built.app).get(paths.devMailbox.message(1)).expect(404);
        } finally {
          await built.close();
        }
      });
    }

    it('exists without SMTP_URL in development (NODE_ENV unset) and in test', async () => {
      for (const env of [{}, { NODE_ENV: 'test' }] as Record<string, string>[]) {
        const built = appFromEnvironment(env);
        try {
          await supertest(built.app).get(paths.devMailbox.index).expect(200);
        } finally {
          await built.close();
        }
      }
    });
  });

  describe('the development session secret', () => {
    it('is refused at start-up while SMTP_URL is set, whatever NODE_ENV says', () => {
      for (const env of [{ SMTP_URL: 'smtp://mail.example.com' }, { SMTP_URL: 'smtp://mail.example.com', NODE_ENV: 'development' }, { SMTP_URL: 'smtp://mail.example.com', NODE_ENV: 'test' }]) {
        expect(() => loadConfig(env), JSON.stringify(env)).to.throw(ConfigError, /^SESSION_SECRET is required when SMTP_URL is set/);
      }
      expect(loadConfig({ SMTP_URL: 'smtp://mail.example.com', SESSION_SECRET: SECRET }).sessionSecret).to.equal(SECRET);
    });
  });

  describe('cookies with an https APP_URL', () => {
    let partner: TestPartner;
    before(async () => {
      partner = await createTestPartner('Secure Cookies IT');
    });

    it('are Secure and __Host- prefixed over HTTPS through a trusted proxy, and a sign-in and sign-out work with them', async () => {
      const built = appFromEnvironment({ NODE_ENV: 'test', APP_URL: 'https://portal.example.com', TRUST_PROXY: 'true' });
      try {
        const https = (req: supertest.Test) => req.set('X-Forwarded-Proto', 'https');
        const page = await https(supertest(built.app).get(paths.partner.signIn)).expect(200);
        const [cookie] = setCookies(page);
        expect(cookie).to.match(new RegExp(`^${SECURE_SESSION_COOKIE}=`));
        expect(cookie).to.match(/; Secure/);
        expect(cookie).to.match(/; Path=\//);
        expect(cookie).not.to.match(/Domain=/i);
        const pair = cookie.split(';')[0];
        const signedIn = await https(supertest(built.app).post(paths.partner.signIn))
          .set('Cookie', pair)
          .type('form')
          .send({ email: partner.email, password: partner.password, _csrf: csrfTokenFrom(page.text) })
          .expect(303);
        const [session] = setCookies(signedIn);
        expect(session).to.match(new RegExp(`^${SECURE_SESSION_COOKIE}=.*; Secure`));
        const accounts = await https(supertest(built.app).get(paths.partner.accounts)).set('Cookie', session.split(';')[0]).expect(200);
        const signedOut = await https(supertest(built.app).post(paths.partner.signOut))
          .set('Cookie', session.split(';')[0])
          .type('form')
          .send({ _csrf: csrfTokenFrom(accounts.text) })
          .expect(303);
        expect(setCookies(signedOut).join('\n')).to.match(new RegExp(`^${SECURE_SESSION_COOKIE}=;.*Expires=Thu, 01 Jan 1970.*; Secure`, 'm'));
      } finally {
        await built.close();
      }
    });

    it('are never set without Secure, whatever the proxy headers say', async () => {
      for (const env of [{ TRUST_PROXY: 'true' }, {}] as Record<string, string>[]) {
        const built = appFromEnvironment({ NODE_ENV: 'test', APP_URL: 'https://portal.example.com', ...env });
        try {
          for (const proto of ['http', undefined]) {
            const request = supertest(built.app).get(paths.partner.signIn);
            if (proto) request.set('X-Forwarded-Proto', proto);
            const res = await request;
            for (const cookie of setCookies(res)) expect(cookie, `${JSON.stringify(env)} ${proto}`).to.match(new RegExp(`^${SECURE_SESSION_COOKIE}=.*; Secure`));
          }
        } finally {
          await built.close();
        }
      }
    });
  });

  describe('a request with two session cookies', () => {
    let t: TestApp;
    let partner: TestPartner;
    let signedIn: string;

    before(async () => {
      t = buildTestApp();
      partner = await createTestPartner('Two Cookies IT');
      const page = await supertest(t.app).get(paths.partner.signIn).expect(200);
      const done = await supertest(t.app)
        .post(paths.partner.signIn)
        .set('Cookie', setCookies(page)[0].split(';')[0])
        .type('form')
        .send({ email: partner.email, password: partner.password, _csrf: csrfTokenFrom(page.text) })
        .expect(303);
      signedIn = setCookies(done)[0].split(';')[0];
    });
    after(() => t.close());

    it('is signed in with its one session cookie', async () => {
      await supertest(t.app).get(paths.partner.accounts).set('Cookie', signedIn).expect(200);
    });

    it('is treated as bringing none, whichever comes first', async () => {
      const planted = `${SESSION_COOKIE}=s%3Aplanted-by-someone-else.signature`;
      for (const header of [`${signedIn}; ${planted}`, `${planted}; ${signedIn}`, `${signedIn}; theme=dark; ${signedIn}`]) {
        const res = await supertest(t.app).get(paths.partner.accounts).set('Cookie', header).expect(303);
        expect(res.headers.location, header).to.match(new RegExp(`^${paths.partner.signIn.replace(/\//g, '\\/')}`));
      }
    });

    it('keeps other cookies and cookies whose names only look alike', () => {
      expect(withoutDuplicateCookie(`a=1; ${SESSION_COOKIE}=x; ${SESSION_COOKIE}=y; b=2`, SESSION_COOKIE)).to.equal('a=1; b=2');
      expect(withoutDuplicateCookie(`x${SESSION_COOKIE}=1; ${SESSION_COOKIE}=x`, SESSION_COOKIE)).to.equal(`x${SESSION_COOKIE}=1; ${SESSION_COOKIE}=x`);
    });
  });
});
