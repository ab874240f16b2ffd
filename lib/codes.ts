// Key codes (XXXX-XXXX-XXXX-XXXX, unambiguous letters and digits): made, checked and read as typed.
import crypto from 'node:crypto';

// Letters and digits a person can read aloud and type without confusion: no 0/O, 1/I/L, 5/S, 2/Z, 8/B.
export const KEY_CODE_ALPHABET = 'ACDEFGHJKMNPQRTUVWXY34679';

function randomFrom(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i += 1) out += alphabet[crypto.randomInt(alphabet.length)];
  return out;
}

// XXXX-XXXX-XXXX-XXXX from a crypto-random source: 25^16 ≈ 2^74 possibilities.
export function newKeyCode(): string {
  return [0, 1, 2, 3].map(() => randomFrom(KEY_CODE_ALPHABET, 4)).join('-');
}

export const KEY_CODE_PATTERN = new RegExp(`^[${KEY_CODE_ALPHABET}]{4}(-[${KEY_CODE_ALPHABET}]{4}){3}$`);

// What people type: lower case, spaces or no dashes. Answers the canonical form or undefined.
export function normaliseKeyCode(input: string): string | undefined {
  const compact = input.toUpperCase().replace(/[\s-]/g, '');
  if (compact.length !== 16) return undefined;
  const code = compact.match(/.{4}/g)!.join('-');
  return KEY_CODE_PATTERN.test(code) ? code : undefined;
}

// A Carbonite-style serial number: service-wide unique (the database's unique index decides).
export function newSerialNumber(): string {
  return `CB${randomFrom('0123456789', 4)}-${randomFrom(KEY_CODE_ALPHABET, 4)}-${randomFrom(KEY_CODE_ALPHABET, 4)}`;
}

// Tokens sent by email or handed to a device: 32 random bytes; only their SHA-256 is stored.
export function newToken(): { token: string; hash: string } {
  const token = crypto.randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

// What newToken makes: 43 base64url characters. Anything else is no token of ours, found
// without a query.
export function isTokenShaped(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}

export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}
