// Signing in as a browser would, through the real forms, and following the list's Next links.

// A browser's cookies: what an answer sets replaces what was held ("a=1; b=2" to send).
class CookieJar {
  private readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';')[0];
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }
  toString(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

// A browser-like sign-in through the real form: the page's CSRF token and cookies, the POST,
// and the page it lands on; answers the cookies a browser holds then, to send with the load.
export async function signIn(baseUrl: string, formPath: string, email: string, password: string): Promise<string> {
  const jar = new CookieJar();
  const page = await fetch(baseUrl + formPath);
  jar.take(page);
  const html = await page.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!csrf) throw new Error(`No CSRF token on ${formPath}`);
  const res = await fetch(baseUrl + formPath, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.toString() },
    body: new URLSearchParams({ _csrf: csrf, email, password }).toString(),
  });
  if (res.status !== 303) throw new Error(`Sign-in at ${formPath} answered ${res.status}`);
  jar.take(res);
  const landing = await fetch(new URL(res.headers.get('location')!, baseUrl), { headers: { cookie: jar.toString() }, redirect: 'manual' });
  if (landing.status !== 200) throw new Error(`The page after sign-in at ${formPath} answered ${landing.status}`);
  jar.take(landing);
  await landing.arrayBuffer();
  return jar.toString();
}

async function getHtml(url: string, cookie: string): Promise<string> {
  const res = await fetch(url, { headers: { cookie }, redirect: 'manual' });
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return res.text();
}

// Follows the list's "Next" links until `rowsDeep` rows have gone by, as a person paging would.
export async function deepPageUrl(baseUrl: string, cookie: string, firstPath: string, rowsPerPage: number, rowsDeep: number): Promise<string> {
  let current = firstPath;
  for (let seen = 0; seen < rowsDeep; seen += rowsPerPage) {
    const html = await getHtml(baseUrl + current, cookie);
    const next = /<a[^>]+href="([^"]+)"[^>]*rel="next"|<a[^>]+rel="next"[^>]*href="([^"]+)"/.exec(html);
    if (!next) throw new Error(`No Next link on ${current}`);
    current = (next[1] ?? next[2]).replace(/&amp;/g, '&');
  }
  return current;
}
