// One error shape for every form: a summary at the top whose links jump to the fields,
// and the same message beside each field.
export interface FormErrors {
  summary: { text: string; href: string }[];
  fields: Record<string, string>;
}

export type FieldProblems = Record<string, string | undefined>;

// Field ids in the page are `field-<name>`; the summary links to them in the order given.
export function formErrors(problems: FieldProblems): FormErrors | undefined {
  const entries = Object.entries(problems).filter((e): e is [string, string] => typeof e[1] === 'string');
  if (entries.length === 0) return undefined;
  return {
    summary: entries.map(([name, text]) => ({ text, href: `#field-${name}` })),
    fields: Object.fromEntries(entries),
  };
}

// Reads one text field from a parsed body: never trusts the type, trims, strips control
// characters (C0 and C1) and what undecodable bytes became (U+FFFD, lone surrogates: no
// browser sends them), keeping none of them, and caps the length in characters so nothing
// huge is echoed back. Callers cap above their own limit, so a value over it is refused by
// the validator with a message, never cut to fit.
export function textField(body: unknown, name: string, maxLength = 1000): string {
  if (!body || typeof body !== 'object') return '';
  const value = Object.prototype.hasOwnProperty.call(body, name) ? (body as Record<string, unknown>)[name] : undefined;
  if (typeof value !== 'string') return '';
  // eslint-disable-next-line no-control-regex
  const text = value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffd\ud800-\udfff]/gu, '').trim();
  // Counted in characters, not UTF-16 units: an emoji is one character, never cut in two.
  return text.length <= maxLength ? text : Array.from(text).slice(0, maxLength).join('');
}

// A password is taken as typed (spaces count), only checked to be a string.
export function secretField(body: unknown, name: string, maxLength = 1024): string {
  if (!body || typeof body !== 'object') return '';
  const value = Object.prototype.hasOwnProperty.call(body, name) ? (body as Record<string, unknown>)[name] : undefined;
  if (typeof value !== 'string') return '';
  return value.slice(0, maxLength);
}

const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]{2,}$/u;

export function emailProblem(email: string, label = 'email address'): string | undefined {
  if (email === '') return `Enter the ${label}`;
  if (email.length > 254 || !EMAIL.test(email)) return `Enter the ${label} in the correct format, like name@example.com`;
  return undefined;
}

// Express parses ?a=1&a=2 into an array; a query value is used only when it is one string.
export function queryString(value: unknown, maxLength = 200): string {
  return typeof value === 'string' ? value.trim().slice(0, maxLength) : '';
}

// A row id from the address (a path segment, or a page cursor such as ?before=): a plain
// positive whole number, or undefined, which callers treat as no such row or the first page.
export function idFrom(value: unknown): number | undefined {
  return typeof value === 'string' && /^[1-9]\d{0,15}$/.test(value) && Number.isSafeInteger(Number(value)) ? Number(value) : undefined;
}
