// User-facing Chinese lives in content/ (STYLE.md 5): code refers to locale keys. This test reads
// every TypeScript file under bot/ (not the generated Prisma client) and the dashboard's browser
// scripts (bot/http/public/*.js) with the TypeScript parser and fails on Chinese — Han characters,
// CJK punctuation, full-width forms — in any string, template, regular expression or identifier;
// in the dashboard's page and style sheet (*.html, *.css) anywhere but a comment. Comments are free. The few literals that must stay in code
// are listed below, each with its reason; an entry that no longer matches anything fails too, so
// the list only shrinks.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CHINESE = /[\p{Script=Han}\u3000-\u303f\uff00-\uffef]/u;

/** Literals allowed to stay in code: matching rules on text that is not ours to word. */
const ALLOWED: { file: string; text: string; why: string }[] = [
  // WeChat's own words, recognised by the code (not shown by us): the throttling reply of web WeChat.
  { file: 'bot/relay/throttle.ts', text: '发送消息过于频繁', why: "matches web WeChat's throttling error (BaseResponse.ErrMsg)" },
  { file: 'bot/relay/delivery-export.ts', text: '频繁', why: "classifies a stored WeChat error text as throttling (same rule as relay/throttle.ts)" },
  // The demo's fake WeChat refuses sends with the exact texts of web WeChat and wechat4u, so the
  // real error handling (relay/throttle.ts, relay/send.ts) sees what it sees in production.
  { file: 'bot/demo/world.ts', text: '发送消息过于频繁,请稍后再试', why: "web WeChat's ErrMsg for ret 1205" },
  { file: 'bot/demo/world.ts', text: '你已不在该群聊中', why: "web WeChat's ErrMsg for a room the bot was removed from" },
  { file: 'bot/demo/world.ts', text: '群聊不存在', why: "web WeChat's ErrMsg for an unknown room id" },
  { file: 'bot/demo/demo-puppet.ts', text: '发送文本信息失败', why: "wechat4u's `tips` of a failed text send" },
  { file: 'bot/demo/demo-puppet.ts', text: '发送文件失败', why: "wechat4u's `tips` of a failed file send" },
  // Words people write in files and chat that the code must recognise whatever the locale texts say.
  { file: 'bot/registry/org-import.ts', text: '市', why: 'the organisation CSV format: a Chinese spelling of a unit kind' },
  { file: 'bot/registry/org-import.ts', text: '市教育局', why: 'the organisation CSV format: a Chinese spelling of a unit kind' },
  { file: 'bot/registry/org-import.ts', text: '县区', why: 'the organisation CSV format: a Chinese spelling of a unit kind' },
  { file: 'bot/registry/org-import.ts', text: '县', why: 'the organisation CSV format: a Chinese spelling of a unit kind' },
  { file: 'bot/registry/org-import.ts', text: '区', why: 'the organisation CSV format: a Chinese spelling of a unit kind' },
  { file: 'bot/registry/org-import.ts', text: '部门', why: 'the organisation CSV format: a Chinese spelling of a unit kind' },
  { file: 'bot/registry/org-import.ts', text: '科室', why: 'the organisation CSV format: a Chinese spelling of a unit kind' },
  { file: 'bot/registry/org-import.ts', text: '学校', why: 'the organisation CSV format: a Chinese spelling of a unit kind' },
  { file: 'bot/registry/org-import.ts', text: '示例', why: 'the organisation CSV format: a yes in the `sample` column' },
  { file: 'bot/registry/registration.ts', text: '幼儿园', why: 'recognises a school name before the class name in `#班级 <学校> <班级名>`' },
  { file: 'bot/reports/generate.ts', text: '市直', why: 'recognises the city-direct schools pseudo-county by its name (no kind in the data)' },
  { file: 'bot/registry/class-name.ts', text: '（）', why: 'full-width brackets are allowed in a class name, e.g. 高一（3）班' },
  // How WeChat and people write text the code reads.
  { file: 'bot/wechat/appmsg.ts', text: '「([^：:]*)[：:]', why: 'the quote-reply form wechat4u renders: 「name：quoted」' },
  { file: 'bot/sources/messages.ts', text: '，。', why: 'a link ends at a Chinese comma or full stop' },
  { file: 'bot/relay/render.ts', text: '[:：]', why: 'a line ending with a (full-width) colon: the puppet cuts text there' },
  // Operator-facing validation messages (in English, like every config error) that quote the
  // Chinese term or example of the file being validated.
  { file: 'bot/ledger/campaign.ts', text: '已安装', why: 'example value of confirm_words in a campaign file error' },
  { file: 'bot/demo/scenario.ts', text: '公众号', why: 'gloss of "official" in a scenario file error' },
  { file: 'bot/demo/scenario.ts', text: '班级家长群', why: 'gloss of "work"/"parent" in a scenario file error' },
  { file: 'bot/demo/scenario.ts', text: '三年级1班', why: 'example class name in a scenario file error' },
];

interface Finding {
  file: string;
  line: number;
  text: string;
}

/** Chinese in the literals and identifiers of one source text (comments are not looked at). */
export function chineseLiterals(file: string, source: string): Finding[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, file.endsWith('.js') ? ts.ScriptKind.JS : ts.ScriptKind.TS);
  const out: Finding[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) ||
      ts.isTemplateTail(node) || ts.isRegularExpressionLiteral(node) || ts.isIdentifier(node) || ts.isPrivateIdentifier(node)
    ) {
      const text = node.getText(sf);
      if (CHINESE.test(text)) out.push({ file, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, text });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** Chinese anywhere in a page or style sheet but its comments (HTML and CSS comments), line by line. */
export function chineseInMarkup(file: string, source: string): Finding[] {
  const blank = (m: string) => m.replace(/[^\n]/g, ' '); // keeps line numbers
  const lines = source.replace(/<!--[\s\S]*?-->/g, blank).replace(/\/\*[\s\S]*?\*\//g, blank).split('\n');
  return lines.flatMap((text, i) => (CHINESE.test(text) ? [{ file, line: i + 1, text: text.trim() }] : []));
}

function sources(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return rel === 'bot/db/generated' ? [] : sources(rel);
    return e.name.endsWith('.ts') ? [rel] : [];
  });
}

describe('Chinese text in code', () => {
  it('is found in strings, templates, regular expressions and identifiers, not in comments', () => {
    const src = [
      '// 注释可以写中文',
      '/** 文档注释 */',
      "const a = '字符串';",
      'const b = `模板${a}中间${a}结尾`;',
      'const c = /正则/;',
      'const 变量 = { 键: 1 };',
      "const d = 'plain'; /* 块注释 */",
    ].join('\n');
    expect(chineseLiterals('x.ts', src).map((f) => `${f.line}:${f.text}`)).toEqual([
      "3:'字符串'", '4:`模板${', '4:}中间${', '4:}结尾`', '5:/正则/', '6:变量', '6:键',
    ]);
  });

  it('is found anywhere in a page or style sheet but in its comments', () => {
    const page = ['<!-- 注释 -->', '<title>{{page.title}}</title>', '<p>{{signin.help}}</p>', '<button>登录</button>', '<input placeholder="如 三班">', '<style>/* 样式 */ a::after { content: "：" }</style>'].join('\n');
    expect(chineseInMarkup('x.html', page).map((f) => f.line)).toEqual([4, 5, 6]);
  });

  it('is nowhere in the dashboard: its words come from content/locales/zh-CN/dashboard.yml', () => {
    const dir = 'bot/http/public';
    const files = fs.readdirSync(path.join(ROOT, dir)).map((n) => `${dir}/${n}`);
    expect(files.filter((f) => /\.(js|html|css)$/.test(f)).length, 'every file of the dashboard is looked at').toBe(files.length);
    const offenders = files.flatMap((file) => {
      const source = fs.readFileSync(path.join(ROOT, file), 'utf8');
      return file.endsWith('.js') ? chineseLiterals(file, source) : chineseInMarkup(file, source);
    });
    expect(offenders.map((f) => `${f.file}:${f.line} ${f.text}`), 'move these to content/locales/zh-CN/dashboard.yml').toEqual([]);
  });

  it('is nowhere in bot/ but in the commented allow-list (user-facing words belong in content/locales)', () => {
    const files = sources('bot');
    expect(files.length).toBeGreaterThan(100);
    const used = new Set<number>();
    const offenders: string[] = [];
    for (const file of files) {
      for (const f of chineseLiterals(file, fs.readFileSync(path.join(ROOT, file), 'utf8'))) {
        const i = ALLOWED.findIndex((a) => a.file === f.file && (a.text.length > 1 ? f.text.includes(a.text) : f.text === a.text));
        if (i >= 0) used.add(i);
        else offenders.push(`${f.file}:${f.line} ${f.text}`);
      }
    }
    expect(offenders, 'move these to content/locales/zh-CN (or, for a matching rule on words that are not ours, allow them above with the reason)').toEqual([]);
    expect(ALLOWED.filter((_, i) => !used.has(i)).map((a) => `${a.file}: ${a.text}`), 'allow-list entries that match nothing any more').toEqual([]);
  });
});
