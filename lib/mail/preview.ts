import ejs from 'ejs';

// The developer mailbox shows an email's HTML part inside one of our pages (the CSP allows
// no frame). So the markup is rebuilt from an allow-list, never passed through: text is
// re-escaped, only plain structural tags survive, the only attribute kept is an http(s) or
// mailto href, every tag opened is closed, and script-like elements go with their content.

const ALLOWED_TAGS = new Set([
  'a', 'p', 'br', 'hr', 'h1', 'h2', 'h3', 'h4', 'strong', 'b', 'em', 'i', 'u', 'small',
  'ol', 'ul', 'li', 'div', 'span', 'blockquote', 'pre', 'code',
]);
const VOID_TAGS = new Set(['br', 'hr']);
// Elements whose content is not text for the reader: dropped together with their content.
const DROPPED_WITH_CONTENT = new Set([
  'script', 'style', 'title', 'head', 'template', 'noscript', 'textarea', 'iframe', 'object',
  'embed', 'svg', 'math', 'select', 'xmp', 'noembed', 'noframes', 'plaintext',
]);
const LINK_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

// The one HTML escaper, the same as the pages' and the emails': EJS's own.
const escapeHtml = ejs.escapeXML;

// Enough entity decoding to read an href as a browser would; anything left undecoded only
// makes the address unparseable, and then it is dropped.
function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);?/gi, (whole, entity: string) => {
    const lower = entity.toLowerCase();
    if (lower.startsWith('#')) {
      const code = lower.startsWith('#x') ? parseInt(lower.slice(2), 16) : parseInt(lower.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
    }
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[lower] ?? whole;
  });
}

function safeUrl(value: string): string | undefined {
  if (!URL.canParse(value)) return undefined;
  const url = new URL(value);
  return LINK_PROTOCOLS.has(url.protocol) ? url.href : undefined;
}

// An href as written in markup: its entities decoded first, as a browser would.
export function safeHref(raw: string): string | undefined {
  return safeUrl(decodeEntities(raw));
}

// Text between tags: entity references stay (they can only ever be text), the rest is escaped.
const ENTITY_REFERENCE = /&(?:#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);/gi;
function escapeText(text: string): string {
  let out = '';
  let last = 0;
  for (const match of text.matchAll(ENTITY_REFERENCE)) {
    out += escapeHtml(text.slice(last, match.index)) + match[0];
    last = match.index + match[0].length;
  }
  return out + escapeHtml(text.slice(last));
}

function hrefOf(attributes: string): string | undefined {
  const pattern = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g;
  for (const match of attributes.matchAll(pattern)) {
    if (match[1].toLowerCase() === 'href') return safeHref(match[2] ?? match[3] ?? match[4] ?? '');
  }
  return undefined;
}

export function sanitizeEmailHtml(html: string): string {
  const out: string[] = [];
  const open: string[] = [];
  const tagPattern = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/y;
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt === -1) {
      out.push(escapeText(html.slice(i)));
      break;
    }
    if (lt > i) out.push(escapeText(html.slice(i, lt)));
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      i = end === -1 ? html.length : end + 3;
      continue;
    }
    if (html.startsWith('<!', lt) || html.startsWith('<?', lt)) {
      const end = html.indexOf('>', lt);
      i = end === -1 ? html.length : end + 1;
      continue;
    }
    tagPattern.lastIndex = lt;
    const tag = tagPattern.exec(html);
    if (!tag) {
      out.push('&lt;');
      i = lt + 1;
      continue;
    }
    i = lt + tag[0].length;
    const closing = tag[1] === '/';
    const name = tag[2].toLowerCase();
    if (!closing && DROPPED_WITH_CONTENT.has(name)) {
      const end = new RegExp(`</${name}[^>]*>`, 'gi');
      end.lastIndex = i;
      i = end.exec(html) ? end.lastIndex : html.length;
      continue;
    }
    if (!ALLOWED_TAGS.has(name)) continue;
    if (closing) {
      const at = open.lastIndexOf(name);
      if (at === -1) continue;
      while (open.length > at) out.push(`</${open.pop()}>`);
      continue;
    }
    if (VOID_TAGS.has(name)) {
      out.push(`<${name}>`);
      continue;
    }
    if (name === 'a') {
      const href = hrefOf(tag[3]);
      out.push(href ? `<a href="${escapeHtml(href)}" rel="noopener noreferrer">` : '<a>');
    } else {
      out.push(`<${name}>`);
    }
    open.push(name);
  }
  while (open.length) out.push(`</${open.pop()}>`);
  return out.join('');
}

// A plain-text part as HTML: escaped, with its web addresses made into links.
export function linkifyText(text: string): string {
  const out: string[] = [];
  let last = 0;
  for (const match of text.matchAll(/https?:\/\/[^\s<>"']+/g)) {
    const address = match[0].replace(/[.,;:!?)\]]+$/, '');
    const start = match.index ?? 0;
    out.push(escapeHtml(text.slice(last, start)));
    const href = safeUrl(address);
    out.push(href ? `<a href="${escapeHtml(href)}" rel="noopener noreferrer">${escapeHtml(address)}</a>` : escapeHtml(address));
    last = start + address.length;
  }
  out.push(escapeHtml(text.slice(last)));
  return out.join('');
}
