// Finds the pages a signed-in (or anonymous) person can reach by following links, and the
// forms on them, so the sweeps cover pages and fields nobody listed.
import { paths } from '../../../lib/paths.ts';
import { linksOf, parseForms, type PageForm } from './html.ts';
import type { WebClient } from './webClient.ts';

export interface FoundPage {
  path: string;
  status: number;
  forms: PageForm[];
}

// Pages of one shape (/partner/accounts/12 and /13) are visited a couple of times, not all.
export function shapeOf(path: string): string {
  const [pathname] = path.split('?');
  return pathname
    .split('/')
    .map((segment) => (/^\d+$/.test(segment) ? ':id' : /^[A-Za-z0-9_-]{20,}$/.test(segment) ? ':token' : segment))
    .join('/');
}

const NEVER_FOLLOW = new Set<string>([paths.partner.signOut, paths.portal.signOut, paths.home]);

// Breadth-first from `start`, following local links under `prefixes`, GET only (links never change anything).
export async function crawl(client: WebClient, start: string[], prefixes: string[], limit = 60): Promise<FoundPage[]> {
  const queue = [...start];
  const seen = new Set<string>();
  const perShape = new Map<string, number>();
  const found: FoundPage[] = [];
  while (queue.length && found.length < limit) {
    const path = queue.shift()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const shape = shapeOf(path);
    const visits = perShape.get(shape) ?? 0;
    // A list page with filters or pages (?status=..., ?after=...) is the same form twice.
    if (visits >= (path.includes('?') ? 1 : 2)) continue;
    perShape.set(shape, visits + 1);
    const res = await client.get(path);
    const html = /^text\/html/.test(res.headers.get('content-type') ?? '') ? res.text : '';
    found.push({ path, status: res.status, forms: parseForms(html, path) });
    for (const link of linksOf(html)) {
      const [pathname] = link.split('#');
      if (!NEVER_FOLLOW.has(pathname) && prefixes.some((p) => pathname.startsWith(p)) && !seen.has(pathname)) queue.push(pathname);
    }
  }
  return found;
}
