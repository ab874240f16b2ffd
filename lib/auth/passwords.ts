// The password rules (length, common and breached passwords, context words) and bcrypt hashing off the event loop.
import crypto from 'node:crypto';
import bcrypt from 'bcrypt';
import { dictionary } from '@zxcvbn-ts/language-common';

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;
export const BCRYPT_COST = 12;

// zxcvbn-ts's list of ~50,000 passwords most seen in breaches, maintained upstream.
const commonPasswords = new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));

function isCommon(password: string): boolean {
  const lower = password.toLowerCase();
  if (commonPasswords.has(lower)) return true;
  // "password123456" and "qwerty!!!!!!" are the same guess with something stuck on the end.
  const stem = lower.replace(/[\d\W_]+$/u, '');
  if (stem.length >= 4 && commonPasswords.has(stem)) return true;
  return /^(.)\1+$/u.test(password);
}

function containsContext(password: string, context: string[]): boolean {
  const lower = password.toLowerCase();
  return context.some((word) => word.length >= 4 && lower.includes(word.toLowerCase()));
}

// The product's password rule, in one place: a message to show, or undefined when fine.
// `context` holds words the password must not contain (the email's name part, the brand).
export function passwordProblem(password: string, context: string[] = []): string | undefined {
  const length = [...password].length;
  if (length === 0) return 'Enter a password';
  if (length < PASSWORD_MIN_LENGTH) return `Password must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (length > PASSWORD_MAX_LENGTH) return `Password must be ${PASSWORD_MAX_LENGTH} characters or fewer`;
  if (isCommon(password)) return 'This password is too common or easy to guess: choose a different one';
  if (containsContext(password, context)) return 'Choose a password that does not contain your name, email address or company';
  return undefined;
}

export function contextWords(email: string, ...others: string[]): string[] {
  return [email.split('@')[0] ?? '', ...others].filter((w) => w.trim().length > 0);
}

// bcrypt reads only 72 bytes. Hashing first (SHA-256, base64: 44 bytes, no NUL bytes)
// means every character of a long password counts, instead of being cut silently.
function prehash(secret: string): string {
  return crypto.createHash('sha256').update(secret.normalize('NFC'), 'utf8').digest('base64');
}

export function hashSecret(secret: string): Promise<string> {
  return bcrypt.hash(prehash(secret), BCRYPT_COST);
}

export function verifySecret(secret: string, hash: string): Promise<boolean> {
  return bcrypt.compare(prehash(secret), hash);
}

// A real hash to compare against when no user matched, so a wrong email costs as
// long as a wrong password and timing tells nothing.
let dummyHash: Promise<string> | undefined;
export async function verifyAgainstNothing(secret: string): Promise<false> {
  dummyHash ??= hashSecret(crypto.randomBytes(16).toString('hex'));
  await bcrypt.compare(prehash(secret), await dummyHash);
  return false;
}
