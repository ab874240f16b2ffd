// EJS options shared by pages and emails: strict mode, named locals, root includes, one escaper.
import path from 'node:path';
import ejs from 'ejs';
import { projectRoot } from '../boot/projectRoot.ts';

// EJS templates, for pages and emails alike, rendered by EJS itself.
//
// EJS normally wraps a template in `with (locals) { ... }`, and V8 cannot optimise a name
// looked up through `with`. Templates are compiled in strict mode instead (EJS's `strict`,
// which implies `_with: false`), and each one names the locals it reads on its first line:
//   <% const { accounts, filters, paths, format } = locals; -%>
// A name read but not declared there is a ReferenceError when the template runs.
// Includes are EJS's own: an include sees the including template's locals plus what it is given.

export const viewsDirectory = path.join(projectRoot, 'views');

export interface RenderOptions {
  // Where root-absolute includes ('/partials/field') are found: views/ unless told otherwise.
  root?: string;
  // How `<%= %>` escapes: EJS's own HTML escaping (ejs.escapeXML) unless told otherwise.
  escape?: (value: unknown) => string;
  // Keep compiled templates (production) in EJS's cache, which is keyed by file name alone:
  // a file is always rendered with the same root, escaping and trimming.
  cache?: boolean;
  // The template's own lines lose their indentation and blank lines (EJS's rmWhitespace): for
  // pages, where HTML collapses that whitespace anyway and it was a fifth of the Accounts
  // page's bytes. Values written into the page are untouched. Emails keep their lines as written.
  trimLines?: boolean;
}

// The options travel separately from the locals, so no local can change how EJS compiles.
export function ejsOptions(options: RenderOptions = {}): ejs.Options {
  return {
    root: options.root ?? viewsDirectory,
    strict: true,
    escape: options.escape,
    cache: options.cache === true,
    rmWhitespace: options.trimLines === true,
  };
}

export function renderTemplate(file: string, locals: Record<string, unknown>, options: RenderOptions = {}): Promise<string> {
  return ejs.renderFile(file, locals, ejsOptions(options));
}
