// The client API's request bodies: each field checked for its JSON type and its value, and
// every problem named in plain words. Unknown fields are ignored, so newer clients still work.
import { normaliseKeyCode } from '../lib/codes.ts';
import { PLATFORMS, type ActivationInput, type BackupReport, type Platform } from '../models/installations.ts';

export interface ApiProblem {
  status: number;
  error: string;
  message: string;
  fields?: Record<string, string>;
}

export type Read<T> = { value: T; problem?: undefined } | { value?: undefined; problem: ApiProblem };

export const COMPUTER_NAME_MAX = 100;
const KEY_CODE_TYPED_MAX = 64;
// A device's clock may run a little fast; a backup further in the future than this did not happen yet.
export const CLOCK_SKEW_MINUTES = 5;
const MAX_FILES = 2_147_483_647; // the column is a PostgreSQL integer

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
// What undecodable bytes become (U+FFFD) and halves of a surrogate pair: not text a client sends.
const NOT_TEXT = /\ufffd|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

type Fields = Record<string, unknown>;

function asObject(body: unknown): Fields | undefined {
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Fields) : undefined;
}

const field = (body: Fields, name: string): unknown => (Object.prototype.hasOwnProperty.call(body, name) ? body[name] : undefined);

function notAnObject(expected: string): ApiProblem {
  return { status: 400, error: 'invalid_request', message: `The request body must be a JSON object with ${expected}.` };
}

function invalid(problems: Record<string, string | undefined>): ApiProblem | undefined {
  const fields = Object.fromEntries(Object.entries(problems).filter((e): e is [string, string] => e[1] !== undefined));
  const messages = Object.values(fields);
  if (messages.length === 0) return undefined;
  return { status: 422, error: 'invalid_fields', message: messages.join(' '), fields };
}

function textProblem(value: unknown, name: string, max: number): string | undefined {
  if (value === undefined || value === null) return `${name} is missing.`;
  if (typeof value !== 'string') return `${name} must be a string.`;
  if (value.trim() === '') return `${name} is empty.`;
  if (value.length > max) return `${name} must be ${max} characters or fewer.`;
  if (CONTROL_CHARACTERS.test(value)) return `${name} must not contain control characters.`;
  if (NOT_TEXT.test(value)) return `${name} must be valid UTF-8 text.`;
  return undefined;
}

export function readActivation(body: unknown): Read<ActivationInput> {
  const fields = asObject(body);
  if (!fields) return { problem: notAnObject('keyCode, computerName and platform') };
  const keyCode = field(fields, 'keyCode');
  const computerName = field(fields, 'computerName');
  const platform = field(fields, 'platform');

  let keyCodeProblem = textProblem(keyCode, 'keyCode', KEY_CODE_TYPED_MAX);
  if (!keyCodeProblem && !normaliseKeyCode(keyCode as string)) {
    keyCodeProblem = 'keyCode must be a key code of 16 letters and digits, like ACDE-FGHJ-KMNP-QRTU.';
  }
  let platformProblem = platform === undefined || platform === null ? 'platform is missing.' : typeof platform !== 'string' ? 'platform must be a string.' : undefined;
  const platformValue = typeof platform === 'string' ? platform.trim().toLowerCase() : '';
  if (!platformProblem && !(PLATFORMS as readonly string[]).includes(platformValue)) {
    platformProblem = `platform must be "windows" or "mac".`;
  }
  const problem = invalid({
    keyCode: keyCodeProblem,
    computerName: textProblem(computerName, 'computerName', COMPUTER_NAME_MAX),
    platform: platformProblem,
  });
  if (problem) return { problem };
  return { value: { keyCode: keyCode as string, computerName: (computerName as string).trim(), platform: platformValue as Platform } };
}

// An ISO 8601 time with its offset, e.g. 2026-01-31T22:15:00Z or 2026-01-31T23:15:00.250+01:00.
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):?(\d{2}))$/i;

function isoTime(value: string): Date | undefined {
  const match = ISO_TIME.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second = '0', offsetHours = '0', offsetMinutes = '0'] = match;
  const calendarDay = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  // Date.parse rolls 30 February over into March; a real day must read back the same.
  if (calendarDay.getUTCMonth() !== Number(month) - 1 || calendarDay.getUTCDate() !== Number(day)) return undefined;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59 || Number(offsetHours) > 23 || Number(offsetMinutes) > 59) return undefined;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? undefined : time;
}

function countProblem(value: unknown, name: string, max: number): string | undefined {
  if (value === undefined || value === null) return `${name} is missing.`;
  if (typeof value !== 'number') return `${name} must be a number.`;
  if (!Number.isInteger(value)) return `${name} must be a whole number.`;
  if (value < 0) return `${name} must not be negative.`;
  if (value > max) return `${name} must be at most ${max}.`;
  return undefined;
}

export function readBackupReport(body: unknown, now: Date = new Date()): Read<BackupReport> {
  const fields = asObject(body);
  if (!fields) return { problem: notAnObject('completedAt, bytes and files') };
  const completedAt = field(fields, 'completedAt');
  const bytes = field(fields, 'bytes');
  const files = field(fields, 'files');

  let completedAtProblem: string | undefined;
  let completedAtTime: Date | undefined;
  if (completedAt === undefined || completedAt === null) completedAtProblem = 'completedAt is missing.';
  else if (typeof completedAt !== 'string') completedAtProblem = 'completedAt must be a string.';
  else if (!(completedAtTime = isoTime(completedAt.trim()))) {
    completedAtProblem = 'completedAt must be an ISO 8601 time with its offset, like 2026-01-31T22:15:00Z.';
  } else if (completedAtTime.getTime() > now.getTime() + CLOCK_SKEW_MINUTES * 60_000) {
    completedAtProblem = 'completedAt is in the future: check the computer’s clock.';
  }
  const problem = invalid({
    completedAt: completedAtProblem,
    bytes: countProblem(bytes, 'bytes', Number.MAX_SAFE_INTEGER),
    files: countProblem(files, 'files', MAX_FILES),
  });
  if (problem) return { problem };
  return { value: { completedAt: completedAtTime!, bytes: bytes as number, files: files as number } };
}

// The device token from `Authorization: Bearer <token>`; undefined when absent or malformed.
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer +([A-Za-z0-9._~+/=-]{1,200})\s*$/i.exec(header ?? '');
  return match?.[1];
}
