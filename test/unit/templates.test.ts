import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import ejs from 'ejs';
import ts from 'typescript';
import { renderTemplate, viewsDirectory } from '../../lib/views/templates.ts';

// A template's first line: the locals it reads, e.g. `<% const { accounts, paths } = locals; -%>`.
const DECLARATION = /^<% const \{( [\w$]+(?:, [\w$]+)* |)\} = locals; -%>\n/;

const viewFiles = fs
  .readdirSync(viewsDirectory, { recursive: true })
  .map(String)
  .filter((file) => file.endsWith('.ejs'))
  .sort();

describe('templates (EJS in strict mode, without `with`)', () => {
  let root: string;
  const write = (name: string, text: string) => {
    const file = path.join(root, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    return file;
  };

  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-templates-'));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('renders declared locals escaped, unescaped with <%-, and includes with the parent locals and their own', async () => {
    write('partials/item.ejs', '<% const { item, owner } = locals; -%>\n<li><%= item %> of <%= owner %></li>');
    const file = write(
      'page.ejs',
      `<% const { title, raw, items } = locals; -%>\n<h1><%= title %></h1><%- raw %><ul><% items.forEach(function (item) { %><%- include('/partials/item', { item: item }) %><% }) %></ul>`,
    );
    const html = await renderTemplate(file, { title: 'A & <b>', raw: '<hr>', items: ['one', '<two>'], owner: 'Ada' }, { root });
    expect(html).to.equal('<h1>A &amp; &lt;b&gt;</h1><hr><ul><li>one of Ada</li><li>&lt;two&gt; of Ada</li></ul>');
  });

  it('throws a ReferenceError naming a local the template reads without declaring it, even when it is given', async () => {
    const file = write('undeclared.ejs', '<% const { title } = locals; -%>\n<h1><%= title %></h1><p><%= subtitle %></p>');
    let error: unknown;
    await renderTemplate(file, { title: 'T', subtitle: 'S' }, { root }).catch((e) => (error = e));
    expect(error).to.be.instanceOf(ReferenceError);
    expect(String(error)).to.match(/subtitle is not defined/);
    // The same template compiled with `with`, as EJS does by default, would have found it.
    expect(ejs.render(fs.readFileSync(file, 'utf8'), { title: 'T', subtitle: 'S' })).to.equal('<h1>T</h1><p>S</p>');
  });

  it('reads a declared local that is not given as undefined', async () => {
    const file = write('optional.ejs', '<% const { notice } = locals; -%>\n<% if (notice) { %><%= notice %><% } %>done');
    expect(await renderTemplate(file, {}, { root })).to.equal('done');
  });

  it('escapes with EJS’s own escapeXML unless told otherwise (plain text for email subjects)', async () => {
    const file = write('subject.ejs', `<% const { name } = locals; -%>\nHello <%= name %>`);
    expect(await renderTemplate(file, { name: `A & "B" <c> 'd'` }, { root })).to.equal(`Hello ${ejs.escapeXML(`A & "B" <c> 'd'`)}`);
    expect(await renderTemplate(file, { name: `A & "B" <c> 'd'` }, { root })).to.equal('Hello A &amp; &#34;B&#34; &lt;c&gt; &#39;d&#39;');
    expect(await renderTemplate(file, { name: 'A & B' }, { root, escape: String })).to.equal('Hello A & B');
  });

  it('trims the lines of a page template, never the values written into it', async () => {
    const file = write('trimmed.ejs', '<% const { item, text } = locals; -%>\n<ul>\n    <li>\n\n      <%= item %>\n    </li>\n</ul>\n<pre><%= text %></pre>');
    const locals = { item: 'one', text: '  indented\n\n    code' };
    expect(await renderTemplate(file, locals, { root, trimLines: true })).to.equal('<ul>\n<li>\none\n</li>\n</ul>\n<pre>  indented\n\n    code</pre>');
    expect(await renderTemplate(file, locals, { root })).to.equal('<ul>\n    <li>\n\n      one\n    </li>\n</ul>\n<pre>  indented\n\n    code</pre>');
  });

  it('keeps a compiled template when caching, and reads the file afresh when not', async () => {
    const file = write('cached.ejs', '<% const { n } = locals; -%>\nfirst <%= n %>');
    expect(await renderTemplate(file, { n: 1 }, { root, cache: true })).to.equal('first 1');
    fs.writeFileSync(file, '<% const { n } = locals; -%>\nsecond <%= n %>');
    expect(await renderTemplate(file, { n: 2 }, { root, cache: true })).to.equal('first 2');
    expect(await renderTemplate(file, { n: 3 }, { root })).to.equal('second 3');
  });

  it('names the template and line of an error', async () => {
    const file = write('broken.ejs', '<% const { missing } = locals; -%>\nline one\n<%= missing.property %>');
    let error: unknown;
    await renderTemplate(file, {}, { root }).catch((e) => (error = e));
    expect(String(error)).to.match(/broken\.ejs:3/);
  });
});

describe('the templates in views/', () => {
  it('each start with the one line that names the locals they read', () => {
    expect(viewFiles.length).to.be.greaterThan(50);
    const without = viewFiles.filter((file) => !DECLARATION.test(fs.readFileSync(path.join(viewsDirectory, file), 'utf8')));
    expect(without).to.deep.equal([]);
  });

  it('each read no name they did not declare, other than JavaScript’s own globals', function () {
    this.timeout(60000);
    const templates = new Map(viewFiles.map((file) => [file, fs.readFileSync(path.join(viewsDirectory, file), 'utf8')]));
    expect(undeclaredNames(templates)).to.deep.equal([]);
  });

  it('(that check does find a name read without being declared)', function () {
    this.timeout(60000);
    const template = '<% const { title } = locals; -%>\n<%= title %> <%= subtitle %> <%= JSON.stringify(name) %>';
    expect(undeclaredNames(new Map([['sample.ejs', template]]))).to.deep.equal([
      "sample.ejs: Cannot find name 'subtitle'.",
      "sample.ejs: Cannot find name 'name'.",
    ]);
  });
});

// Each template as the function EJS compiles it to, checked by TypeScript as plain JavaScript
// with only the language's own globals (no DOM, whose `name` or `status` would hide a local).
function undeclaredNames(templates: Map<string, string>): string[] {
  const sources = new Map(
    [...templates].map(([file, text]) => {
      const compiled = ejs.compile(text, { client: true, strict: true, compileDebug: false, filename: file });
      return [`/views/${file}.js`, `export const template = ${compiled.toString()};\n`];
    }),
  );
  const options: ts.CompilerOptions = { allowJs: true, checkJs: true, noEmit: true, lib: ['lib.es2022.d.ts'], types: [], target: ts.ScriptTarget.ES2022 };
  const host = ts.createCompilerHost(options);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.fileExists = (file) => sources.has(file) || fileExists(file);
  host.getSourceFile = (file, language) => {
    const source = sources.get(file);
    return source === undefined ? getSourceFile(file, language) : ts.createSourceFile(file, source, language);
  };
  const cannotFindName = new Set([2304, 2552]);
  const program = ts.createProgram([...sources.keys()], options, host);
  return [...sources.keys()]
    .flatMap((file) => program.getSemanticDiagnostics(program.getSourceFile(file)))
    .filter((diagnostic) => cannotFindName.has(diagnostic.code))
    .map((diagnostic) => `${diagnostic.file?.fileName.replace(/^\/views\/|\.js$/g, '')}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`);
}
