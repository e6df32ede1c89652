// User-facing Chinese text lives in content/locales/zh-CN/*.yml under dotted keys; code refers to
// keys. Each area keeps its own file (registry.yml, relay.yml, ledger.yml, …); all are merged.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export const LOCALE_DIR = path.resolve(import.meta.dirname, '../content/locales/zh-CN');

type Tree = { [k: string]: string | string[] | Tree };
let cache: Map<string, string | string[]> | undefined;

function flatten(tree: Tree, prefix: string, out: Map<string, string | string[]>, file: string): void {
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string' || Array.isArray(v)) {
      if (out.has(key)) throw new Error(`locale key ${key} is defined twice (second time in ${file})`);
      out.set(key, v);
    } else if (v && typeof v === 'object') flatten(v, key, out, file);
  }
}

/** Loads (once) every locale file. */
export function loadTexts(dir = LOCALE_DIR): Map<string, string | string[]> {
  if (cache && dir === LOCALE_DIR) return cache;
  const out = new Map<string, string | string[]>();
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.yml')).sort()) {
    flatten((parse(fs.readFileSync(path.join(dir, f), 'utf8')) ?? {}) as Tree, '', out, f);
  }
  if (dir === LOCALE_DIR) cache = out;
  return out;
}

/** The text under `key` with {name} placeholders filled; throws on an unknown key (a bug). */
export function t(key: string, params: Record<string, string | number> = {}): string {
  const v = loadTexts().get(key);
  if (v === undefined) throw new Error(`no text for locale key ${key}`);
  const s = Array.isArray(v) ? v.join('\n') : v;
  return s.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m)).trimEnd();
}

/** Whether a text exists under `key`. */
export function hasText(key: string): boolean {
  return typeof loadTexts().get(key) === 'string';
}

/** A list under `key` (e.g. confirmation keywords). */
export function list(key: string): string[] {
  const v = loadTexts().get(key);
  if (!Array.isArray(v)) throw new Error(`locale key ${key} is not a list`);
  return v;
}
