// User-facing Chinese text lives in content/locales/zh-CN/*.yml under dotted keys; code refers to
// keys. Each area keeps its own file (registry.yml, relay.yml, ledger.yml, …); all are merged.
// The compiled CLI and bot (bin/build.js) carry the merged texts inlined, so `antifraud --help` does
// not load the YAML parser; a build is used only while those files are what it was built from.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** The merged texts, inlined by the CLI build (undefined everywhere else). */
declare const __ANTIFRAUD_LOCALE_TEXTS__: Record<string, string | string[]> | undefined;

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

/** The merged texts of every locale file in `dir` (what the CLI build inlines). */
export function readTexts(dir = LOCALE_DIR): Map<string, string | string[]> {
  // Loaded on use (synchronously): the compiled CLI never needs it.
  const { parse } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  const out = new Map<string, string | string[]>();
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.yml')).sort()) {
    flatten((parse(fs.readFileSync(path.join(dir, f), 'utf8')) ?? {}) as Tree, '', out, f);
  }
  return out;
}

/** Loads (once) every locale file. */
export function loadTexts(dir = LOCALE_DIR): Map<string, string | string[]> {
  if (cache && dir === LOCALE_DIR) return cache;
  const inlined = typeof __ANTIFRAUD_LOCALE_TEXTS__ === 'undefined' ? undefined : __ANTIFRAUD_LOCALE_TEXTS__;
  const out = inlined && dir === LOCALE_DIR ? new Map(Object.entries(inlined)) : readTexts(dir);
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
