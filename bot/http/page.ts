// The dashboard page with its words: index.html names texts of content/locales/zh-CN/dashboard.yml
// in {{key}} slots (keys without the leading "dashboard."), filled here once at start; the
// {{@texts}} slot receives all of them as JSON for app.js, which has no other way to read them
// (no build step, no extra request before the first paint).
import { loadTexts } from '../i18n.ts';

const PREFIX = 'dashboard.';

/** The dashboard's texts: every locale key under `dashboard.`, without the prefix. */
export function dashboardTexts(texts: Map<string, string | string[]> = loadTexts()): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of texts) if (k.startsWith(PREFIX)) out[k.slice(PREFIX.length)] = v;
  return out;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * JSON that is safe inside a <script> element: no `<` at all (so no `</script>` or `<!--`), and
 * no U+2028/U+2029 (line terminators in older script parsers).
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * index.html with its slots filled: {{key}} with the HTML-escaped text (`x` in backticks shown as
 * <code>x</code>), {{@texts}} with the texts as JSON. An unknown key throws (a bug in the page).
 */
export function renderPage(template: string, texts: Record<string, string | string[]> = dashboardTexts()): string {
  return template.replace(/\{\{(@?[\w.]+)\}\}/g, (_m, key: string) => {
    if (key === '@texts') return scriptJson(texts);
    const v = texts[key];
    if (typeof v !== 'string') throw new Error(`the dashboard page names locale key dashboard.${key}, which ${v === undefined ? 'does not exist' : 'is a list'}`);
    return escapeHtml(v.trimEnd()).replace(/`([^`]+)`/g, '<code>$1</code>');
  });
}
