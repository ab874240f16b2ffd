import { expect } from 'chai';
import ejs from 'ejs';
import { linkifyText, safeHref, sanitizeEmailHtml } from '../../lib/mail/preview.ts';

describe('email preview for the developer mailbox', () => {
  it('keeps plain structure and http(s) links, and drops styles and every attribute but href', () => {
    const html = '<h1 style="color:red">Hi</h1><p class="x">Go <a href="https://a.example/r?x=1&amp;y=2" style="x" target="_blank">here</a><br>now</p>';
    expect(sanitizeEmailHtml(html)).to.equal(
      '<h1>Hi</h1><p>Go <a href="https://a.example/r?x=1&amp;y=2" rel="noopener noreferrer">here</a><br>now</p>',
    );
  });

  it('drops scripts, styles and frames with their content, and event handlers and dangerous links', () => {
    const html =
      '<script>alert(1)</script><STYLE>p{}</STYLE><iframe src=x>inside</iframe><svg><script>alert(2)</script></svg>' +
      '<p onclick="alert(3)">a <a href="javascript:alert(4)">b</a> <a href=" JaVaScRiPt:alert(5)">c</a> <a href="java&#x73;cript:alert(6)">d</a> <img src=x onerror=alert(7)></p>';
    expect(sanitizeEmailHtml(html)).to.equal('<p>a <a>b</a> <a>c</a> <a>d</a> </p>');
  });

  it('closes what it opened and ignores closing tags it did not open', () => {
    expect(sanitizeEmailHtml('</div></main><div><p><strong>bold')).to.equal('<div><p><strong>bold</strong></p></div>');
    expect(sanitizeEmailHtml('<ul><li>one<li>two</ul>')).to.equal('<ul><li>one<li>two</li></li></ul>');
  });

  it('keeps text as text: a stray < or an attribute-looking string cannot become markup', () => {
    expect(sanitizeEmailHtml(`1 < 2 & 3 > 2 "q" 'r' &lt;b&gt;`)).to.equal('1 &lt; 2 &amp; 3 &gt; 2 &#34;q&#34; &#39;r&#39; &lt;b&gt;');
    expect(sanitizeEmailHtml('<p title="a>b">x</p><!-- <script>alert(1)</script> -->y')).to.equal('<p>x</p>y');
    expect(sanitizeEmailHtml('<a href="https://a.example/"onmouseover="alert(1)">x</a>')).to.equal(
      '<a href="https://a.example/" rel="noopener noreferrer">x</a>',
    );
  });

  it('accepts only http, https and mailto addresses', () => {
    expect(safeHref('https://a.example/x')).to.equal('https://a.example/x');
    expect(safeHref('mailto:help@a.example')).to.equal('mailto:help@a.example');
    expect(safeHref('data:text/html,<script>alert(1)</script>')).to.equal(undefined);
    expect(safeHref('/relative')).to.equal(undefined);
    expect(safeHref('javascript&#58;alert(1)')).to.equal(undefined);
  });

  it('turns the web addresses of a plain-text part into links and escapes the rest', () => {
    expect(linkifyText('Open https://a.example/r?x=1&y=2. <b>now</b>')).to.equal(
      'Open <a href="https://a.example/r?x=1&amp;y=2" rel="noopener noreferrer">https://a.example/r?x=1&amp;y=2</a>. &lt;b&gt;now&lt;/b&gt;',
    );
    expect(linkifyText('javascript:alert(1)')).to.equal('javascript:alert(1)');
  });

  it('escapes text exactly as the pages and the emails do (EJS’s escapeXML)', () => {
    const text = `Tom & "Jerry" <i>'s</i>`;
    expect(linkifyText(text)).to.equal(ejs.escapeXML(text));
    expect(sanitizeEmailHtml(`<p>${text.replace(/[<>]/g, '')}</p>`)).to.equal(`<p>${ejs.escapeXML(text.replace(/[<>]/g, ''))}</p>`);
  });
});
