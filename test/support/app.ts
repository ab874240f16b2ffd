// Builds the real app on the test database, and signs in through the real forms with real
// CSRF tokens, as a browser would.
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import supertest from 'supertest';
import type { Knex } from 'knex';
import { loadConfig, type Config } from '../../lib/boot/config.ts';
import { createLogger } from '../../lib/boot/logger.ts';
import { createSessionStore, SESSION_COOKIE, type SessionStore } from '../../lib/session/session.ts';
import { hashSecret } from '../../lib/auth/passwords.ts';
import { createApp } from '../../app.ts';
import { createHttpServer } from '../../lib/http/server.ts';
import { paths } from '../../lib/paths.ts';
import { createPartnerWithOwner } from '../../models/partners.ts';
import { testDatabase } from './hooks.ts';
import { eventually } from './eventually.ts';

export interface TestApp {
  app: Express;
  config: Config;
  sessions: SessionStore;
  close(): Promise<void>;
}

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    SESSION_SECRET: 'test-session-secret-that-is-long-enough-1234',
    TOTP_ENCRYPTION_KEY: 'test-totp-encryption-key-that-is-long-enough-1234',
    DATABASE_URL: testDatabase().url,
    APP_URL: 'http://localhost:3999',
    ...env,
  });
}

export function buildTestApp(env: Record<string, string> = {}, logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent')): TestApp {
  const config = testConfig(env);
  const { db, url } = testDatabase();
  const sessions = createSessionStore(url, logger, config);
  const app = createApp({ config, db, logger, sessions });
  return { app, config, sessions, close: () => sessions.end() };
}

// The app on a real port, for the browser and for tools that speak HTTP themselves.
export async function listen(app: Express): Promise<{ url: string; close(): Promise<void> }> {
  const server = createHttpServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// Rewrites a stored session by hand (to age it, say).
export async function rewriteStoredSession(sid: string, sess: object): Promise<void> {
  await testDatabase().db('session').where({ sid }).update({ sess: JSON.stringify(sess) });
}

// The session id in a Set-Cookie header (or a Cookie value): the cookie is "s:<sid>.<signature>".
export function sessionIdFrom(setCookie: string[] | string | undefined): string | undefined {
  const cookies = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const cookie = cookies.find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  if (!cookie) return undefined;
  const raw = decodeURIComponent(cookie.split(';')[0].slice(SESSION_COOKIE.length + 1));
  return raw.slice(2, raw.lastIndexOf('.'));
}

export function csrfTokenFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('No CSRF token on the page');
  return match[1];
}

export async function getForm(agent: supertest.Agent, url: string): Promise<{ html: string; csrf: string }> {
  const res = await agent.get(url).expect(200);
  return { html: res.text, csrf: csrfTokenFrom(res.text) };
}

// POSTs a form the way a browser does: fetch the page for its token, then submit.
export async function submitForm(agent: supertest.Agent, formUrl: string, fields: Record<string, string>, actionUrl = formUrl) {
  const { csrf } = await getForm(agent, formUrl);
  return agent.post(actionUrl).type('form').send({ ...fields, _csrf: csrf });
}

export const TEST_PASSWORD = 'correct horse battery staple 42';
let testPasswordHash: Promise<string> | undefined;
let counter = 0;

export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}.${Date.now().toString(36)}.${counter}@example.test`;
}

export interface TestPartner {
  partnerId: number;
  userId: number;
  email: string;
  password: string;
  company: string;
}

// A partner company with an owner whose password is TEST_PASSWORD (hashed once per run), on
// the test database or on a database of the test's own.
export async function createTestPartner(company = 'Test Partner Ltd', db: Knex = testDatabase().db): Promise<TestPartner> {
  testPasswordHash ??= hashSecret(TEST_PASSWORD);
  const email = uniqueEmail('partner');
  const { partnerId, userId } = await createPartnerWithOwner(db, {
    company,
    name: 'Pat Partner',
    email,
    passwordHash: await testPasswordHash,
  });
  return { partnerId, userId, email, password: TEST_PASSWORD, company };
}

export async function signInPartner(app: Express, partner: Pick<TestPartner, 'email' | 'password'>): Promise<supertest.Agent> {
  const agent = supertest.agent(app);
  const res = await submitForm(agent, paths.partner.signIn, { email: partner.email, password: partner.password });
  if (res.status !== 303) throw new Error(`Partner sign-in failed with ${res.status}`);
  return agent;
}
