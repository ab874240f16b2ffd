// The one place that reads the environment. A missing or malformed value stops
// start-up with one line naming the variable, before anything else happens.

export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

export interface Config {
  env: 'development' | 'test' | 'production';
  isProduction: boolean;
  port: number;
  appUrl: string;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  embeddedPostgresPort: number;
  smtpUrl: string | undefined;
  // The developer mailbox (every email, live links included, in a page) exists only without
  // SMTP_URL, in development or test.
  devMailbox: boolean;
  // APP_URL is https: the session cookie is Secure and __Host- prefixed, whatever a proxy says.
  secureCookies: boolean;
  sessionSecret: string;
  // Encrypts partner users' two-factor secrets at rest (lib/auth/totp.ts).
  totpEncryptionKey: string;
  brandName: string;
  logLevel: string;
  trustProxy: boolean | number | string;
  idleTimeoutMinutes: number;
  absoluteTimeoutHours: number;
  runWorker: boolean;
  registrationLinkDays: number;
  downloadUrlWindows: string;
  downloadUrlMac: string;
  // Every order's money is in this one ISO 4217 currency, in integer cents.
  currency: string;
  // The renewal job (in the delivery worker's process): how often it looks, and how many days
  // before a term's end an enrolled subscription is renewed.
  renewalCheckSeconds: number;
  alertCheckSeconds: number;
  autoRenewDaysBefore: number;
  // How many days a free trial (Start a trial) lasts.
  trialDays: number;
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw.trim());
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  }
  return raw;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

// CURRENCY: an ISO 4217 code the platform's Intl knows (USD, EUR, GBP...).
function currency(env: Env): string {
  const raw = (env.CURRENCY ?? '').trim();
  if (raw === '') return 'USD';
  const code = raw.toUpperCase();
  if (!/^[A-Z]{3}$/.test(code) || !Intl.supportedValuesOf('currency').includes(code)) {
    throw new ConfigError('CURRENCY', `must be an ISO 4217 currency code such as USD or EUR, got "${raw}"`);
  }
  return code;
}

// TRUST_PROXY follows Express's "trust proxy": true/false, a hop count, or addresses.
function trustProxy(env: Env): boolean | number | string {
  const raw = env.TRUST_PROXY;
  if (raw === undefined || raw === '') return false;
  if (/^(true|false)$/i.test(raw)) return raw.toLowerCase() === 'true';
  if (/^\d+$/.test(raw)) return Number(raw);
  if (/^[\w.:/,\s-]+$/.test(raw)) return raw;
  throw new ConfigError('TRUST_PROXY', 'must be true, false, a number of proxies or a list of addresses');
}

export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = env.NODE_ENV ?? 'development';
  if (!['development', 'test', 'production'].includes(nodeEnv)) {
    throw new ConfigError('NODE_ENV', `must be development, test or production, got "${nodeEnv}"`);
  }
  const isProduction = nodeEnv === 'production';
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const appUrl = (url(env, 'APP_URL', ['http:', 'https:']) ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const smtpUrl = url(env, 'SMTP_URL', ['smtp:', 'smtps:']);
  // Outside production, mail without SMTP_URL waits in the developer mailbox; in production it would be lost.
  if (isProduction && smtpUrl === undefined) throw new ConfigError('SMTP_URL', 'is required in production');

  let sessionSecret = env.SESSION_SECRET ?? '';
  if (isProduction && sessionSecret === '') throw new ConfigError('SESSION_SECRET', 'is required in production');
  if (sessionSecret !== '' && sessionSecret.length < 32) {
    throw new ConfigError('SESSION_SECRET', 'must be at least 32 characters long');
  }
  // Sending real mail means real users: the fixed development secret (public, in this file)
  // would let anyone forge their session cookies.
  if (smtpUrl !== undefined && sessionSecret === '') {
    throw new ConfigError('SESSION_SECRET', 'is required when SMTP_URL is set (the development secret is only for the developer mailbox)');
  }
  // Only with the developer mailbox, a fixed development secret keeps sessions across restarts.
  if (sessionSecret === '') sessionSecret = 'development-only-session-secret-not-for-production';

  // The key that encrypts two-factor secrets at rest: required in production, where the fixed
  // development key (public, in this file) would protect nothing.
  let totpEncryptionKey = env.TOTP_ENCRYPTION_KEY ?? '';
  if (isProduction && totpEncryptionKey === '') throw new ConfigError('TOTP_ENCRYPTION_KEY', 'is required in production');
  if (totpEncryptionKey !== '' && totpEncryptionKey.length < 32) {
    throw new ConfigError('TOTP_ENCRYPTION_KEY', 'must be at least 32 characters long');
  }
  if (totpEncryptionKey === '') totpEncryptionKey = 'development-only-totp-encryption-key-not-for-production';

  const logLevel = env.LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info');
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);

  const brandName = (env.BRAND_NAME ?? 'Carbonite').trim();
  if (brandName === '' || brandName.length > 40) throw new ConfigError('BRAND_NAME', 'must be 1 to 40 characters');

  return {
    env: nodeEnv as Config['env'],
    isProduction,
    port,
    appUrl,
    databaseUrl,
    databasePoolSize: integer(env, 'DATABASE_POOL_SIZE', 5, 1, 100),
    embeddedPostgresPort: integer(env, 'EMBEDDED_POSTGRES_PORT', 54329, 1024, 65535),
    smtpUrl,
    devMailbox: smtpUrl === undefined && (nodeEnv === 'development' || nodeEnv === 'test'),
    secureCookies: appUrl.startsWith('https:'),
    sessionSecret,
    totpEncryptionKey,
    brandName,
    logLevel,
    trustProxy: trustProxy(env),
    idleTimeoutMinutes: integer(env, 'SESSION_IDLE_MINUTES', 30, 1, 24 * 60),
    absoluteTimeoutHours: integer(env, 'SESSION_ABSOLUTE_HOURS', 12, 1, 24 * 7),
    runWorker: boolean(env, 'RUN_WORKER', true),
    registrationLinkDays: integer(env, 'REGISTRATION_LINK_DAYS', 14, 1, 90),
    downloadUrlWindows:
      url(env, 'DOWNLOAD_URL_WINDOWS', ['http:', 'https:']) ?? 'https://downloads.carbonite.example/windows/CarboniteSetup.exe',
    downloadUrlMac: url(env, 'DOWNLOAD_URL_MAC', ['http:', 'https:']) ?? 'https://downloads.carbonite.example/mac/Carbonite.dmg',
    currency: currency(env),
    renewalCheckSeconds: integer(env, 'RENEWAL_CHECK_SECONDS', 60, 1, 24 * 3600),
    alertCheckSeconds: integer(env, 'ALERT_CHECK_SECONDS', 60, 1, 24 * 3600),
    autoRenewDaysBefore: integer(env, 'AUTO_RENEW_DAYS_BEFORE', 7, 0, 60),
    trialDays: integer(env, 'TRIAL_DAYS', 30, 1, 90),
  };
}
