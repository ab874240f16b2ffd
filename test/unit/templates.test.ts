import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import ejs from 'ejs';
import { escapeHtml, namesUsedBy, renderTemplate } from '../../lib/views/templates.ts';

describe('templates (EJS without `with`)', () => {
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

  it('finds the names a template reads, leaving out keywords, strings, comments, properties, declarations and globals', () => {
    const names = namesUsedBy(
      `<%# a comment naming notALocal %><% var tag = { active: 'x' }; function label(row) { return row.name + 'quoted words'; } %>` +
        `<%= title %><% rows.forEach(function (row) { %><%= label(row) %><%= JSON.stringify(row.extra) %><% }) %><%- include('/x') %>`,
    );
    expect(names.locals).to.have.members(['active', 'row', 'title', 'rows']);
    expect(names.globals).to.deep.equal(['JSON']);
  });

  it('renders locals escaped, unescaped with <%-, and includes with the parent locals and their own', () => {
    write('partials/item.ejs', '<li><%= item %> of <%= owner %></li>');
    const file = write('page.ejs', `<h1><%= title %></h1><%- raw %><ul><% items.forEach(function (item) { %><%- include('/partials/item', { item: item }) %><% }) %></ul>`);
    const html = renderTemplate(file, { title: 'A & <b>', raw: '<hr>', items: ['one', '<two>'], owner: 'Ada' }, { root });
    expect(html).to.equal('<h1>A &amp; &lt;b&gt;</h1><hr><ul><li>one of Ada</li><li>&lt;two&gt; of Ada</li></ul>');
  });

  it('escapes HTML exactly as EJS does, returning text with nothing to escape as it is', () => {
    const values = ['', 'plain text', `&<>"'`, '<script>alert("x")</script>', "O'Brien & Sons", 'a&&b<<c', 'Zoë ☃ 🙂', 42, 0, -1.5, true, false, [1, '<2>'], { toString: () => '<obj>' }, undefined, null];
    for (const value of values) expect(escapeHtml(value), String(value)).to.equal(ejs.escapeXML(value as string));
    expect(escapeHtml(`&<>"'`)).to.equal('&amp;&lt;&gt;&#34;&#39;');
  });

  it('trims the lines of a page template, never the values written into it', () => {
    const file = write('trimmed.ejs', '<ul>\n    <li>\n\n      <%= item %>\n    </li>\n</ul>\n<pre><%= text %></pre>');
    const locals = { item: 'one', text: '  indented\n\n    code' };
    expect(renderTemplate(file, locals, { root, trimLines: true })).to.equal('<ul>\n<li>\none\n</li>\n</ul>\n<pre>  indented\n\n    code</pre>');
    expect(renderTemplate(file, locals, { root })).to.equal('<ul>\n    <li>\n\n      one\n    </li>\n</ul>\n<pre>  indented\n\n    code</pre>');
  });

  it('uses the escape it is given (plain text for email subjects)', () => {
    const file = write('subject.ejs', 'Hello <%= name %>');
    expect(renderTemplate(file, { name: 'A & B' }, { root, escape: String })).to.equal('Hello A & B');
  });

  it('reads a local not given as undefined, or refuses to render when every value is required', () => {
    const file = write('optional.ejs', '<% if (notice) { %><%= notice %><% } %>done');
    expect(renderTemplate(file, {}, { root })).to.equal('done');
    expect(() => renderTemplate(file, {}, { root, requireAll: true })).to.throw(/no value for "notice"/);
  });

  it('refuses a local that would be hidden behind a global of the same name', () => {
    const file = write('globals.ejs', '<%= JSON.stringify(value) %>');
    expect(renderTemplate(file, { value: [1] }, { root })).to.equal('[1]');
    expect(() => renderTemplate(file, { value: 1, JSON: {} }, { root })).to.throw(/"JSON"/);
  });

  it('finds a root-absolute include from the root it is rendered with, cached or not', () => {
    const file = write('shared/page.ejs', '[<%- include(\'/partials/who\') %>]');
    write('one/partials/who.ejs', 'one');
    write('two/partials/who.ejs', 'two');
    for (const cache of [true, false]) {
      expect(renderTemplate(file, {}, { root: path.join(root, 'one'), cache })).to.equal('[one]');
      expect(renderTemplate(file, {}, { root: path.join(root, 'two'), cache })).to.equal('[two]');
      expect(renderTemplate(file, {}, { root: path.join(root, 'one'), cache })).to.equal('[one]');
    }
  });

  it('keeps a compiled template when caching, and reads the file afresh when not', () => {
    const file = write('cached.ejs', 'first <%= n %>');
    expect(renderTemplate(file, { n: 1 }, { root, cache: true })).to.equal('first 1');
    fs.writeFileSync(file, 'second <%= n %>');
    expect(renderTemplate(file, { n: 2 }, { root, cache: true })).to.equal('first 2');
    expect(renderTemplate(file, { n: 3 }, { root })).to.equal('second 3');
  });

  it('names the template and line of an error', () => {
    const file = write('broken.ejs', 'line one\n<%= missing.property %>');
    expect(() => renderTemplate(file, {}, { root })).to.throw(/broken\.ejs:2/);
  });
});
