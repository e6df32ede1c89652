// The dashboard's words (content/locales/zh-CN/dashboard.yml) reach the browser inlined in the page
// (bot/http/page.ts). app.js can only fail at run time on a missing key, so this test reads which
// keys app.js and index.html name and checks them against the locale file, both ways.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dashboardTexts, renderPage, scriptJson } from '../../bot/http/page.ts';
import { readTexts } from '../../bot/i18n.ts';

const PUBLIC = path.resolve(import.meta.dirname, '../../bot/http/public');
const app = fs.readFileSync(path.join(PUBLIC, 'app.js'), 'utf8');
const page = fs.readFileSync(path.join(PUBLIC, 'index.html'), 'utf8');
const texts = dashboardTexts(readTexts());

/** The text in the one <script id="texts"> of a rendered page, parsed. */
function inlined(html: string): Record<string, string | string[]> {
  const m = /<script id="texts" type="application\/json">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error('no texts script in the page');
  return JSON.parse(m[1]) as Record<string, string | string[]>;
}

describe('the dashboard texts', () => {
  it('are the dashboard.* keys, without the prefix', () => {
    expect(texts['nav.posts']).toBe('文章');
    expect(texts['posts.headers']).toContain('确认覆盖率');
    expect(Object.keys(texts).some((k) => k.startsWith('dashboard.') || k.startsWith('common.'))).toBe(false);
  });

  it('name every key app.js and the page use, and no key that nothing uses', () => {
    const keys = new Set<string>(); // t('x.y') and list('x.y')
    const groups = new Set<string>(); // word('x', code): any key under x.
    for (const m of app.matchAll(/\b(t|list|word)\(\s*(['"`])([^'"`$]*)\2/g)) (m[1] === 'word' ? groups : keys).add(m[3]);
    for (const m of page.matchAll(/\{\{([\w.]+)\}\}/g)) keys.add(m[1]);
    expect(keys.size).toBeGreaterThan(100);
    expect([...keys].filter((k) => texts[k] === undefined), 'keys used but missing in dashboard.yml').toEqual([]);
    expect([...groups].filter((g) => !Object.keys(texts).some((k) => k.startsWith(`${g}.`))), 'word() groups missing in dashboard.yml').toEqual([]);
    const unused = Object.keys(texts).filter((k) => !keys.has(k) && ![...groups].some((g) => k.startsWith(`${g}.`)));
    expect(unused, 'keys in dashboard.yml that neither app.js nor index.html uses').toEqual([]);
    // list() reads lists, t() texts: a header list read with t() would come out as one cell.
    for (const m of app.matchAll(/\blist\('([\w.]+)'/g)) expect(Array.isArray(texts[m[1]]), m[1]).toBe(true);
    for (const m of app.matchAll(/\bt\('([\w.]+)'/g)) expect(typeof texts[m[1]], m[1]).toBe('string');
  });
});

describe('the dashboard page', () => {
  it('has its slots filled with the words, escaped, and every text inlined for app.js', () => {
    const html = renderPage(page, texts);
    expect(html).not.toMatch(/\{\{|\}\}/);
    expect(html).toContain('<title>反诈宣传覆盖情况 · 教育局看板</title>');
    expect(html).toContain('<a href="#/posts" data-view="posts">文章</a>');
    // `x` in backticks is shown as code (the sign-in help names the CLI command).
    expect(html).toContain('（由 <code>antifraud token create</code> 生成）');
    expect(inlined(html)).toEqual(texts);
  });

  it('escapes text for HTML and keeps the inlined JSON from closing its script element', () => {
    const evil = { a: '<b>&"x"\'', b: '</script><script>alert(1)</script><!--', c: ['</SCRIPT>', '\u2028'] };
    const html = renderPage('<p>{{a}}</p><script id="texts" type="application/json">{{@texts}}</script>', evil);
    expect(html.startsWith('<p>&#60;b&#62;&#38;&#34;x&#34;&#39;</p>')).toBe(true);
    expect(html.match(/<\/script>/gi)).toHaveLength(1); // only the real end tag
    expect(html).not.toContain('<!--');
    expect(inlined(html)).toEqual(evil);
    expect(scriptJson('\u2029')).toBe('"\\u2029"');
  });

  it('refuses a slot that names no text, or a list', () => {
    expect(() => renderPage('<p>{{nav.nothing}}</p>', texts)).toThrow('the dashboard page names locale key dashboard.nav.nothing, which does not exist');
    expect(() => renderPage('<p>{{posts.headers}}</p>', texts)).toThrow('dashboard.posts.headers, which is a list');
  });
});
