#!/usr/bin/env node
// Compiles the TypeScript once (run by `npm install`, or `npm run build`):
//   dist/cli/  the `antifraud` CLI (bin/antifraud.js), so the command starts without compiling;
//   dist/bot/  the bot of `npm start` (bin/start.js): bot/main.ts and schedules/*.ts. Run through tsx,
//              the bot carried tsx's module loader (a thread of its own) and the compiled sources for
//              its whole life: a bare `node` has 41 MB of RSS, with tsx 74 MB; a bot at 500 rooms of
//              500 about 55 MB more than compiled (README, "How big one account can be").
// Each build is used only while every source it was built from is unchanged (inputs.json; see
// bin/compiled.js), and the TypeScript runs through tsx otherwise: an edited source never runs stale code.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { scheduleSources } from './compiled.js';

const root = path.resolve(import.meta.dirname, '..');

// Modules find content/, prisma/migrations and the like relative to their own directory. In the
// bundle a module lives in whichever output file esbuild puts it, so each `import.meta.dirname` is
// marked with its source directory here and, once the output files are known, pointed back at it
// relative to the output file (relative, so the checkout may move).
const SOURCE_MARK = /@@antifraud-source:([^@]*)@@/g;
const sourceDirname = {
  name: 'source-dirname',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      const text = await fs.promises.readFile(args.path, 'utf8');
      if (!text.includes('import.meta.dirname')) return { contents: text, loader: 'ts' };
      const rel = path.relative(root, path.dirname(args.path)).split(path.sep).join('/');
      return { contents: text.replaceAll('import.meta.dirname', `(import.meta.dirname + ${JSON.stringify(`/@@antifraud-source:${rel}@@`)})`), loader: 'ts' };
    });
  },
};

// The user-facing texts (content/locales/zh-CN/*.yml, merged by bot/i18n.ts's own readTexts, which
// also refuses a key defined twice) are inlined, so the compiled CLI starts without the YAML parser;
// the files count as inputs.
let locale;
async function localeTexts() {
  if (locale) return locale;
  const { register } = await import('tsx/esm/api');
  const unregister = register();
  try {
    const { LOCALE_DIR, readTexts } = await import('../bot/i18n.ts');
    const files = fs.readdirSync(LOCALE_DIR).filter((n) => n.endsWith('.yml')).sort().map((n) => path.join(LOCALE_DIR, n));
    locale = { files, texts: Object.fromEntries(readTexts()) };
    return locale;
  } finally {
    await unregister();
  }
}

/**
 * Builds `entryPoints` into `outdir` (bundled, split, dependencies left in node_modules) and records
 * its inputs in outdir/inputs.json; returns the number of source files.
 */
export async function build(outdir, entryPoints, { outbase, clean = [], define = {}, extra = {} } = {}) {
  for (const dir of clean) fs.rmSync(dir, { recursive: true, force: true });
  const { files: localeFiles, texts } = await localeTexts();
  const result = await esbuild.build({
    entryPoints,
    outdir,
    outbase,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    metafile: true,
    write: false,
    logLevel: 'warning',
    plugins: [sourceDirname],
    define: { __ANTIFRAUD_LOCALE_TEXTS__: JSON.stringify(texts), ...define },
  });
  for (const out of result.outputFiles) {
    const dir = path.dirname(out.path);
    const text = out.text.replace(SOURCE_MARK, (_, rel) => path.relative(dir, path.join(root, rel)).split(path.sep).join('/') || '.');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(out.path, text);
  }
  const files = {};
  for (const input of [...Object.keys(result.metafile.inputs).filter((i) => !i.startsWith('<')), ...localeFiles]) {
    const file = path.resolve(root, input);
    const st = fs.statSync(file);
    files[path.relative(root, file)] = { size: st.size, mtimeMs: st.mtimeMs, sha1: crypto.createHash('sha1').update(fs.readFileSync(file)).digest('hex') };
  }
  fs.writeFileSync(path.join(outdir, 'inputs.json'), JSON.stringify({ builtAt: new Date().toISOString(), files, ...extra }));
  return Object.keys(files).length;
}

/** Builds dist/cli; returns the number of source files. */
export async function buildCli() {
  const outdir = path.join(root, 'dist/cli');
  return build(outdir, [path.join(root, 'bot/cli/index.ts')], { clean: [outdir] });
}

/**
 * Builds dist/bot: bot/main.ts and each schedules/*.ts (loaded by the runtime from dist/bot/schedules).
 * Old chunks are left in place (a bot still running from them may load one later, e.g. the report
 * writer); the entry points are replaced.
 */
export async function buildBot() {
  const outdir = path.join(root, 'dist/bot');
  const schedules = scheduleSources();
  return build(outdir, [path.join(root, 'bot/main.ts'), ...schedules.map((f) => path.join(root, 'schedules', f))], {
    outbase: root,
    clean: [path.join(outdir, 'schedules'), path.join(outdir, 'bot')],
    define: { __ANTIFRAUD_SCHEDULES_DIR__: JSON.stringify('../dist/bot/schedules') },
    extra: { schedules },
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  // Never fail `npm install` over it: what is not compiled runs the TypeScript through tsx.
  for (const [what, fn, dir] of [['antifraud CLI', buildCli, 'dist/cli'], ['bot', buildBot, 'dist/bot']]) {
    try {
      const n = await fn();
      process.stdout.write(`${what} compiled from ${n} files into ${dir}\n`);
    } catch (err) {
      process.stderr.write(`${what} not compiled (${err.message}); it will run through tsx\n`);
    }
  }
}
