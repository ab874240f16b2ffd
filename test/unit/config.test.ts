import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../lib/boot/config.ts';

describe('configuration', () => {
  it('uses the documented defaults in development', () => {
    const config = loadConfig({});
    expect(config.port).to.equal(3000);
    expect(config.appUrl).to.equal('http://localhost:3000');
    expect(config.brandName).to.equal('Carbonite');
    expect(config.idleTimeoutMinutes).to.equal(30);
    expect(config.absoluteTimeoutHours).to.equal(12);
    expect(config.databasePoolSize).to.equal(5);
    expect(config.isProduction).to.equal(false);
  });

  it('derives APP_URL from PORT and drops a trailing slash', () => {
    expect(loadConfig({ PORT: '8080' }).appUrl).to.equal('http://localhost:8080');
    expect(loadConfig({ APP_URL: 'https://portal.example.com/' }).appUrl).to.equal('https://portal.example.com');
  });

  const refusals: [string, Record<string, string>, RegExp][] = [
    ['a PORT that is not a number', { PORT: 'eighty' }, /^PORT must be a whole number/],
    ['a PORT out of range', { PORT: '70000' }, /^PORT must be between/],
    ['a malformed DATABASE_URL', { DATABASE_URL: 'not a url' }, /^DATABASE_URL is not a valid URL/],
    ['a DATABASE_URL of another kind', { DATABASE_URL: 'mysql://x@y/z' }, /^DATABASE_URL must start with postgres:/],
    ['an SMTP_URL of another kind', { SMTP_URL: 'http://mail.example.com' }, /^SMTP_URL must start with smtp:/],
    ['production without SESSION_SECRET', { NODE_ENV: 'production', SMTP_URL: 'smtp://localhost' }, /^SESSION_SECRET is required in production/],
    ['production without SMTP_URL', { NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40) }, /^SMTP_URL is required in production/],
    ['a short SESSION_SECRET', { SESSION_SECRET: 'short' }, /^SESSION_SECRET must be at least 32/],
    ['an unknown LOG_LEVEL', { LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of/],
    ['an unknown NODE_ENV', { NODE_ENV: 'staging' }, /^NODE_ENV must be/],
    ['a malformed idle timeout', { SESSION_IDLE_MINUTES: '-5' }, /^SESSION_IDLE_MINUTES must be a whole number/],
    ['a database pool of no connections', { DATABASE_POOL_SIZE: '0' }, /^DATABASE_POOL_SIZE must be between 1 and 100/],
    ['a malformed TRUST_PROXY', { TRUST_PROXY: 'yes please!' }, /^TRUST_PROXY must be/],
    ['production without TOTP_ENCRYPTION_KEY', { NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40), SMTP_URL: 'smtp://localhost' }, /^TOTP_ENCRYPTION_KEY is required in production/],
    ['a short TOTP_ENCRYPTION_KEY', { TOTP_ENCRYPTION_KEY: 'short' }, /^TOTP_ENCRYPTION_KEY must be at least 32/],
  ];
  for (const [what, env, message] of refusals) {
    it(`stops with one line naming the variable for ${what}`, () => {
      expect(() => loadConfig(env)).to.throw(ConfigError, message);
    });
  }

  it('accepts a complete production configuration', () => {
    const config = loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 's'.repeat(40), SMTP_URL: 'smtps://u:p@mail.example.com', TRUST_PROXY: '1', TOTP_ENCRYPTION_KEY: 'k'.repeat(40) });
    expect(config.isProduction).to.equal(true);
    expect(config.totpEncryptionKey).to.equal('k'.repeat(40));
    expect(config.trustProxy).to.equal(1);
    expect(loadConfig({ DATABASE_POOL_SIZE: '12' }).databasePoolSize).to.equal(12);
  });
});
