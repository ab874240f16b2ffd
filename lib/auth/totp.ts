// Two-factor sign-in codes (TOTP, RFC 6238: SHA-1, 6 digits, 30-second steps) through the
// otpauth package; the QR code through the qrcode package, drawn on the server as a PNG.
// Secrets are kept encrypted (AES-256-GCM under TOTP_ENCRYPTION_KEY), bound to their user.
import crypto from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import { KEY_CODE_ALPHABET } from '../codes.ts';

export const TOTP_PERIOD_SECONDS = 30;
// One step either side of now: a phone's clock a little off still works.
export const TOTP_WINDOW = 1;

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function totpFor(secretBase32: string, label: string, issuer: string): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: 6, period: TOTP_PERIOD_SECONDS, secret: Secret.fromBase32(secretBase32) });
}

// The time step a 6-digit code belongs to (now, or one step either side), or undefined.
export function matchingStep(secretBase32: string, code: string, now = Date.now()): number | undefined {
  const totp = totpFor(secretBase32, 'check', 'check');
  const delta = totp.validate({ token: code, timestamp: now, window: TOTP_WINDOW });
  if (delta === null) return undefined;
  return totp.counter({ timestamp: now }) + delta;
}

// The secret in groups of four, as authenticator apps accept it typed.
export function secretForReading(secretBase32: string): string {
  return secretBase32.match(/.{1,4}/g)!.join(' ');
}

// The enrolment page's QR code: a PNG data URL (the page's policy allows data: images).
export function qrCodeDataUrl(otpauthUri: string): Promise<string> {
  return QRCode.toDataURL(otpauthUri, { type: 'image/png', errorCorrectionLevel: 'M', margin: 2, width: 220 });
}

// ---- Encryption at rest ----

const KEY_VERSION = 'v1';

export function totpKeyFrom(setting: string): Buffer {
  return crypto.createHash('sha256').update(setting, 'utf8').digest();
}

// "v1.<iv>.<tag>.<ciphertext>", base64url; the user's id is the associated data, so a
// secret copied onto another user's row does not decrypt.
export function encryptSecret(key: Buffer, plain: string, ownerId: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(ownerId, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return [KEY_VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
}

export function decryptSecret(key: Buffer, stored: string, ownerId: string): string {
  const [version, iv, tag, ciphertext] = stored.split('.');
  if (version !== KEY_VERSION || !iv || !tag || ciphertext === undefined) throw new Error('Not an encrypted secret of this app');
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(ownerId, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
}

// ---- Recovery codes ----

export const RECOVERY_CODE_COUNT = 10;

// XXXXX-XXXXX-XXXXX-XXXXX from the key codes' unambiguous alphabet: 25^20 ≈ 2^93, so only a
// SHA-256 of each is stored (no slow hash needed at that strength).
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () =>
    [0, 1, 2, 3].map(() => Array.from({ length: 5 }, () => KEY_CODE_ALPHABET[crypto.randomInt(KEY_CODE_ALPHABET.length)]).join('')).join('-'),
  );
}

// As typed: any case, spaces or dashes.
export function normaliseRecoveryCode(input: string): string | undefined {
  const compact = input.toUpperCase().replace(/[\s-]/g, '');
  if (!new RegExp(`^[${KEY_CODE_ALPHABET}]{20}$`).test(compact)) return undefined;
  return compact.match(/.{5}/g)!.join('-');
}

export function hashRecoveryCode(code: string): string {
  return crypto.createHash('sha256').update(code, 'utf8').digest('hex');
}
