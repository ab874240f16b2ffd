// A browser without a browser: real HTTP to 127.0.0.1 with a cookie jar, redirects not
// followed (tests look at them), and a time bound on every request, so nothing can hang.
// One jar can talk to several app instances on different ports, as a browser's would.
import { csrfTokenFrom } from '../../support/app.ts';
import { paths } from '../../../lib/paths.ts';
import { parseForms, type PageForm } from './html.ts';

const SIGN_OUT: string[] = [paths.partner.signOut, paths.portal.signOut];

export interface WebResponse {
  status: number;
  headers: Headers;
  location: string | undefined;
  text: string;
  ms: number;
}

export type FormBody = Record<string, string | string[]>;

// Every exchange, for tests that judge traffic as a whole (status 0: no answer in time).
export interface Exchange {
  method: string;
  url: string;
  startedAt: number;
  endedAt: number;
  status: number;
  res?: WebResponse;
  error?: string;
}

export interface RequestOptions {
  body?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export function encodeForm(fields: FormBody): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    for (const one of Array.isArray(value) ? value : [value]) params.append(name, one);
  }
  return params.toString();
}

export class WebClient {
  constructor(
    public readonly base: string,
    private readonly options: {
      timeoutMs?: number;
      onExchange?: (exchange: Exchange) => void;
      jar?: Map<string, string>;
      // Headers for every request (asked each time, so they may change: a client address, say).
      headers?: () => Record<string, string>;
    } = {},
  ) {
    this.jar = options.jar ?? new Map();
  }

  private readonly jar: Map<string, string>;

  // The same cookies, another instance.
  at(base: string): WebClient {
    return new WebClient(base, { ...this.options, jar: this.jar });
  }

  cookieHeader(): string {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  hasCookie(name: string): boolean {
    return this.jar.has(name);
  }

  async request(method: string, url: string, options: RequestOptions = {}): Promise<WebResponse> {
    const headers: Record<string, string> = { ...(this.options.headers?.() ?? {}), ...(options.headers ?? {}) };
    if (this.jar.size && !('cookie' in headers)) headers.cookie = this.cookieHeader();
    if (options.contentType) headers['content-type'] = options.contentType;
    const startedAt = Date.now();
    const target = new URL(url, this.base).toString();
    try {
      const res = await fetch(target, {
        method,
        headers,
        // Raw bytes go as they are: the sweeps send invalid UTF-8 on purpose.
        body: typeof options.body === 'string' || options.body === undefined ? options.body : new Uint8Array(options.body),
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs ?? this.options.timeoutMs ?? 20_000),
      });
      const text = await res.text();
      for (const cookie of res.headers.getSetCookie()) this.store(cookie);
      const endedAt = Date.now();
      const answer = { status: res.status, headers: res.headers, location: res.headers.get('location') ?? undefined, text, ms: endedAt - startedAt };
      this.options.onExchange?.({ method, url: target, startedAt, endedAt, status: res.status, res: answer });
      return answer;
    } catch (error) {
      this.options.onExchange?.({ method, url: target, startedAt, endedAt: Date.now(), status: 0, error: `${String(error)}${(error as { cause?: unknown }).cause ? ` (${String((error as { cause?: unknown }).cause)})` : ''}` });
      throw error;
    }
  }

  private store(setCookie: string): void {
    const [pair, ...attributes] = setCookie.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const expired = attributes.some((a) => {
      const [key, value = ''] = a.trim().split('=');
      return (key.toLowerCase() === 'max-age' && Number(value) <= 0) || (key.toLowerCase() === 'expires' && Date.parse(value) < Date.now());
    });
    if (expired) this.jar.delete(name);
    else this.jar.set(name, pair.slice(eq + 1).trim());
  }

  get(url: string, options: RequestOptions = {}): Promise<WebResponse> {
    return this.request('GET', url, options);
  }

  post(url: string, fields: FormBody, options: RequestOptions = {}): Promise<WebResponse> {
    return this.request('POST', url, { contentType: 'application/x-www-form-urlencoded', ...options, body: encodeForm(fields) });
  }

  // GETs a page (expecting 200) and answers its forms and its CSRF token.
  async page(url: string): Promise<{ res: WebResponse; forms: PageForm[]; csrf: string }> {
    const res = await this.get(url);
    if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}${res.location ? ` -> ${res.location}` : ''}`);
    return { res, forms: parseForms(res.text, url), csrf: /name="_csrf"/.test(res.text) ? csrfTokenFrom(res.text) : '' };
  }

  // Fills the page's POST form (the one whose action matches, or its own) with its
  // drawn values, then `fields`, and submits it with the page's real CSRF token.
  async submit(pageUrl: string, fields: FormBody, action?: string): Promise<WebResponse> {
    const { forms, csrf } = await this.page(pageUrl);
    // Without an action: the page's own form, not the header's Sign out.
    const form = forms.find((f) => f.method === 'post' && (action === undefined ? !SIGN_OUT.includes(f.action) : f.action === action));
    if (!form) throw new Error(`No POST form${action ? ` to ${action}` : ''} on ${pageUrl}`);
    const drawn = Object.fromEntries(form.fields.filter((f) => !f.disabled && f.kind !== 'button' && f.value !== '').map((f) => [f.name, f.value]));
    return this.post(form.action, { ...drawn, ...fields, _csrf: csrf });
  }
}

// Follows a redirect chain (GETs) from a response, up to a few hops, answering the last.
export async function follow(client: WebClient, res: WebResponse, hops = 5): Promise<WebResponse> {
  let current = res;
  for (let i = 0; i < hops && current.status >= 300 && current.status < 400 && current.location; i += 1) {
    current = await client.get(current.location);
  }
  return current;
}
