import fs from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';

// EJS templates compiled to plain functions, for pages and emails alike.
//
// EJS normally wraps a template in `with (locals) { ... }`, and V8 cannot optimise a name
// looked up through `with`: a page of 25 accounts rendered three to four times slower than
// it does here. Instead each template declares, once, the names its own code uses, read
// from the locals it is given (EJS's `destructuredLocals`). The names are found in the
// template's code itself, so a template needs no list kept beside it.

export type Escape = (value: unknown) => string;
type Locals = Record<string, unknown>;
type Include = (includePath: string, includeData?: Locals) => string;
type Compiled = (locals: Locals, escape: Escape, include: Include) => string;

export interface RenderOptions {
  // Where root-absolute includes ('/partials/field') are found.
  root: string;
  // How `<%= %>` escapes; HTML escaping unless told otherwise.
  escape?: Escape;
  // Keep compiled templates (production); otherwise every render reads the file afresh.
  cache?: boolean;
  // Refuse to render unless every name the template reads has a value (emails: a message
  // missing its link must not go out). Otherwise a local not given reads as undefined.
  requireAll?: boolean;
  // The template's own lines lose their indentation and blank lines (EJS's rmWhitespace): for
  // pages, where HTML collapses that whitespace anyway and it was a fifth of the Accounts
  // page's bytes. Values written into the page are untouched. Emails keep their lines as written.
  trimLines?: boolean;
}

// The same entities as EJS's own escapeXML, which replaced through a callback even when there
// was nothing to replace. Most values (names, emails, numbers) have no special character: a
// test first and they come back as they are, which took the Accounts page's escaping from
// ~5% of its CPU time to under 1%.
const HTML_SPECIAL = /[&<>"']/;
const HTML_SPECIALS = /[&<>"']/g;
const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };
const entityFor = (c: string) => HTML_ENTITIES[c];

export const escapeHtml: Escape = (value) => {
  if (typeof value === 'number') return String(value);
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : String(value);
  return HTML_SPECIAL.test(text) ? text.replace(HTML_SPECIALS, entityFor) : text;
};

const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof let new null return super switch this throw true try typeof var void while ' +
    'with yield await implements interface package private protected public static arguments eval of async get set'
  ).split(' '),
);
// EJS's own names inside a compiled template.
const EJS_NAMES = new Set(['locals', 'escapeFn', 'include', 'rethrow']);

const SCRIPTLET = /<%(?!%)([_=#-]?)([\s\S]*?)[-_]?%>/g;
const STRING_LITERAL = /'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"|`(?:\\.|[^`\\])*`/g;
const IDENTIFIER = /(?<![\w$.])[A-Za-z_$][\w$]*/g;
// Names the template declares itself: a function declared in the template may not also be
// declared as a local (it would be declared twice), and a `var` needs no local.
const DECLARED = /\b(?:function|var|let|const)\s+([A-Za-z_$][\w$]*)/g;

// Every name the template's code reads that is not a keyword, one of EJS's own, a name the
// template declares, or a global (Object, JSON, Date...), which the template keeps reaching
// as before. Function parameters and object keys come along too: declaring them is harmless.
export function namesUsedBy(template: string): { locals: string[]; globals: string[] } {
  const code = [...template.matchAll(SCRIPTLET)]
    .filter(([, kind]) => kind !== '#')
    .map(([, , scriptlet]) => scriptlet.replace(STRING_LITERAL, '""'))
    .join('\n');
  const declared = new Set([...code.matchAll(DECLARED)].map(([, name]) => name));
  const locals = new Set<string>();
  const globals = new Set<string>();
  for (const [name] of code.matchAll(IDENTIFIER)) {
    if (RESERVED.has(name) || EJS_NAMES.has(name) || name.startsWith('__') || declared.has(name)) continue;
    (name in globalThis ? globals : locals).add(name);
  }
  return { locals: [...locals], globals: [...globals] };
}

interface Template {
  render: Compiled;
  // Where each of its includes is, once worked out (when caching; a cached template belongs
  // to one root): a page has a handful of includes, some inside loops.
  includes: Map<string, string>;
  locals: string[];
  // Globals the template uses: a local of the same name would be hidden behind them.
  globals: string[];
}

const compiledTemplates = new Map<string, Template>();

function compile(file: string, trimLines: boolean): Template {
  const text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  const { locals, globals } = namesUsedBy(text);
  const render = ejs.compile(text, {
    filename: file,
    client: true,
    _with: false,
    destructuredLocals: locals,
    rmWhitespace: trimLines,
  } as ejs.Options & { client: true }) as unknown as Compiled;
  return { render, includes: new Map(), locals, globals };
}

function templateAt(file: string, options: RenderOptions): Template {
  const trimLines = options.trimLines ?? false;
  if (!options.cache) return compile(file, trimLines);
  // Root-absolute includes are found from the root, so a template is kept per root as well.
  const key = `${options.root}\0${trimLines ? 'trimmed' : 'as written'}\0${file}`;
  let template = compiledTemplates.get(key);
  if (!template) {
    template = compile(file, trimLines);
    compiledTemplates.set(key, template);
  }
  return template;
}

function resolveInclude(from: string, includePathName: string, root: string): string {
  const resolved = includePathName.startsWith('/')
    ? path.join(root, includePathName)
    : path.resolve(path.dirname(from), includePathName);
  return path.extname(resolved) ? resolved : `${resolved}.ejs`;
}

function includePath(template: Template, from: string, includePathName: string, options: RenderOptions): string {
  if (!options.cache) return resolveInclude(from, includePathName, options.root);
  let resolved = template.includes.get(includePathName);
  if (resolved === undefined) {
    resolved = resolveInclude(from, includePathName, options.root);
    template.includes.set(includePathName, resolved);
  }
  return resolved;
}

export function renderTemplate(file: string, locals: Locals, options: RenderOptions): string {
  const template = templateAt(file, options);
  for (const name of template.globals) {
    if (Object.hasOwn(locals, name)) throw new Error(`${file}: the local "${name}" has the name of a global the template uses`);
  }
  if (options.requireAll) {
    const missing = template.locals.filter((name) => locals[name] === undefined || locals[name] === null);
    if (missing.length) throw new Error(`${file}: no value for ${missing.map((name) => `"${name}"`).join(', ')}`);
  }
  const escape = options.escape ?? escapeHtml;
  // An include sees the including template's locals and whatever it is given.
  const include: Include = (includePathName, includeData) =>
    renderTemplate(includePath(template, file, includePathName, options), includeData ? { ...locals, ...includeData } : locals, options);
  return template.render(locals, escape, include);
}
