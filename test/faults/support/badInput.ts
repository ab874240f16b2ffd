// What the bad input sweep sends, and how it judges an answer. Values are named, so a
// failure says which field got what.
import { textOf, titleOf } from './html.ts';
import type { WebResponse } from './webClient.ts';

export const SCRIPT = '<script>alert("xss")</script><img src=x onerror=alert(1)>';
export const ATTRIBUTE_BREAKOUT = '" autofocus onfocus="alert(1)';
export const SQL = "' OR '1'='1'; DROP TABLE customer_accounts; --";
export const UNICODE_TRICKS = 'e\u0301 \u202egnp.exe\u200b 😀\ufeff';
export const CONTROL = 'a\u0000b\u0007c\u001b[31md\u007fe\r\nf';
export const MEGABYTE = 1024 * 1024;

// A value for one field: text (or several, as repeated keys), or raw bytes put into the
// body as they are (urlencoded bodies) or inside a JSON string.
export interface BadValue {
  kind: string;
  text?: string | string[];
  raw?: Buffer;
}

const bytes = (...values: number[]) => Buffer.from(values);

export const FORM_VALUES: BadValue[] = [
  { kind: 'empty', text: '' },
  { kind: 'only spaces', text: ' \t  ' },
  { kind: 'huge (1 MB)', text: 'A'.repeat(MEGABYTE) },
  { kind: 'long (5,000 characters)', text: 'long'.repeat(1250) },
  { kind: 'wrong type: repeated key (array)', text: ['first', 'second'] },
  { kind: 'control characters', text: CONTROL },
  { kind: 'invalid UTF-8, raw bytes', raw: bytes(0xff, 0xfe, 0xc3, 0x28, 0x41) },
  { kind: 'invalid UTF-8, percent-encoded', raw: Buffer.from('%FF%FE%C3%28A') },
  { kind: 'overlong UTF-8 for < and >', raw: Buffer.from('%C0%BCscript%C0%BE') },
  { kind: 'UTF-16 surrogate as UTF-8', raw: Buffer.from('%ED%A0%80x') },
  { kind: 'HTML/script', text: SCRIPT },
  { kind: 'attribute breakout', text: ATTRIBUTE_BREAKOUT },
  { kind: 'SQL-looking', text: SQL },
  { kind: '__proto__', text: '__proto__' },
  { kind: 'constructor', text: 'constructor' },
  { kind: 'unicode tricks', text: UNICODE_TRICKS },
  { kind: 'negative number', text: '-1' },
  { kind: 'huge number', text: '99999999999999999999999999' },
  { kind: 'exponent', text: '1e309' },
  { kind: 'NaN', text: 'NaN' },
];

// Field names as keys: object notation, and names that are properties of every object.
export const KEY_CASES: { kind: string; body: (field: string) => string }[] = [
  { kind: 'object notation key', body: (field) => `${encodeURIComponent(`${field}[key]`)}=value` },
  { kind: '__proto__ key', body: () => '__proto__=polluted&__proto__%5Bpolluted%5D=yes' },
  { kind: 'constructor key', body: () => 'constructor=polluted&constructor%5Bprototype%5D%5Bpolluted%5D=yes' },
  { kind: 'Object.prototype names as keys', body: () => 'hasOwnProperty=x&toString=x&valueOf=x' },
];

// Bodies that are wrong as a whole. `fields` is the form's urlencoded body with its real token.
export const BODY_CASES: { kind: string; contentType?: string; headers?: Record<string, string>; body: (fields: string) => string | Buffer }[] = [
  { kind: 'oversized body (2 MB)', contentType: 'application/x-www-form-urlencoded', body: (fields) => `${fields}&pad=${'x'.repeat(2 * MEGABYTE)}` },
  { kind: 'too many fields (500)', contentType: 'application/x-www-form-urlencoded', body: (fields) => `${fields}&${Array.from({ length: 500 }, (_, i) => `f${i}=1`).join('&')}` },
  { kind: 'malformed percent-encoding', contentType: 'application/x-www-form-urlencoded', body: (fields) => `${fields}&%=%%&a=%zz&b=%E0%A4%A` },
  { kind: 'only separators', contentType: 'application/x-www-form-urlencoded', body: () => '&&&===&=&' },
  { kind: 'no body', contentType: 'application/x-www-form-urlencoded', body: () => '' },
  { kind: 'NUL bytes', contentType: 'application/x-www-form-urlencoded', body: (fields) => Buffer.concat([Buffer.from(`${fields}&x=`), bytes(0, 0, 0)]) },
  { kind: 'JSON instead of a form', contentType: 'application/json', body: (fields) => JSON.stringify(Object.fromEntries(new URLSearchParams(fields))) },
  { kind: 'text/plain', contentType: 'text/plain', body: (fields) => fields },
  { kind: 'multipart', contentType: 'multipart/form-data; boundary=XyZ', body: () => '--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--XyZ--\r\n' },
  { kind: 'unsupported charset (UTF-16)', contentType: 'application/x-www-form-urlencoded; charset=utf-16', body: (fields) => fields },
  { kind: 'gzip that is not gzip', contentType: 'application/x-www-form-urlencoded', headers: { 'content-encoding': 'gzip' }, body: (fields) => fields },
  { kind: 'unknown content encoding', contentType: 'application/x-www-form-urlencoded', headers: { 'content-encoding': 'x-unknown' }, body: (fields) => fields },
  { kind: 'deeply nested key', contentType: 'application/x-www-form-urlencoded', body: (fields) => `${fields}&${'a'}${'%5Bb%5D'.repeat(2000)}=1` },
];

// Markup we sent showing up as markup: none of our pages has a script, an event handler
// attribute or an autofocus, so any of them in an answer came from the input. Text that
// merely reads "onerror=" (escaped, inside a value) is not markup.
export function unescapedEcho(html: string): string | undefined {
  if (/<script\b/i.test(html)) return '<script> element';
  for (const tag of html.matchAll(/<([a-z][\w-]*)\b([^>]*)>/gi)) {
    for (const attribute of tag[2].matchAll(/([^\s=>"'/]+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?/g)) {
      if (/^(on\w+|autofocus)$/i.test(attribute[1])) return `<${tag[1]} ${attribute[1]}>`;
    }
    if (tag[1].toLowerCase() === 'img' && /src=x\b/.test(tag[2])) return '<img src=x>';
  }
  return undefined;
}

// What a person can read on an HTML answer that refuses something; undefined when it is clear.
export function unclearHtml(res: WebResponse): string | undefined {
  if (!/^text\/html/.test(res.headers.get('content-type') ?? '')) return `answered ${res.headers.get('content-type') ?? 'no content type'}`;
  const title = titleOf(res.text);
  if (!title) return 'no <title>';
  if (!/<h1[^>]*>[^<]*\S/.test(res.text)) return 'no heading';
  if (res.status === 422) {
    if (!title.startsWith('Error: ')) return `422 whose title "${title}" does not start with "Error: "`;
    if (!res.text.includes('class="error-summary"')) return '422 without an error summary';
  }
  if (textOf(res.text).length < 20) return 'almost no text';
  return undefined;
}

export function unclearJson(res: WebResponse): string | undefined {
  if (!/^application\/json/.test(res.headers.get('content-type') ?? '')) return `answered ${res.headers.get('content-type') ?? 'no content type'}`;
  try {
    const body = JSON.parse(res.text) as Record<string, unknown>;
    if (typeof body.error !== 'string' || typeof body.message !== 'string' || body.message.length < 10) return 'JSON without error and message';
  } catch {
    return 'not JSON';
  }
  return undefined;
}

// Characters no stored text should hold: controls (tab and line breaks aside) and the
// replacement character that undecodable bytes turn into.
// eslint-disable-next-line no-control-regex
export const FORBIDDEN_IN_STORED_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/;
