#!/usr/bin/env node
// Compiles the `antifraud` CLI once (run by `npm install`, or `npm run build:cli`) into dist/cli/,
// so that the command starts without compiling TypeScript on every run. bin/antifraud.js uses the
// build only while every source it was built from is unchanged (dist/cli/inputs.json), and runs
// the TypeScript through tsx otherwise — an edited source never runs stale code.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const outdir = path.join(root, 'dist/cli');

// Modules find content/, prisma/migrations and the like relative to their own directory. In the
// bundle every module lives in dist/cli/, so each `import.meta.dirname` is pointed back at its
// source directory (relative, so the checkout may move).
const sourceDirname = {
  name: 'source-dirname',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      const text = await fs.promises.readFile(args.path, 'utf8');
      if (!text.includes('import.meta.dirname')) return { contents: text, loader: 'ts' };
      const rel = path.relative(outdir, path.dirname(args.path)).split(path.sep).join('/');
      return { contents: text.replaceAll('import.meta.dirname', `(import.meta.dirname + ${JSON.stringify('/' + rel)})`), loader: 'ts' };
    });
  },
};

// The user-facing texts (content/locales/zh-CN/*.yml, merged by bot/i18n.ts's own readTexts, which
// also refuses a key defined twice) are inlined, so the compiled CLI starts without the YAML parser;
// the files count as inputs.
async function localeTexts() {
  const { register } = await import('tsx/esm/api');
  const unregister = register();
  try {
    const { LOCALE_DIR, readTexts } = await import('../bot/i18n.ts');
    const files = fs.readdirSync(LOCALE_DIR).filter((n) => n.endsWith('.yml')).sort().map((n) => path.join(LOCALE_DIR, n));
    return { files, texts: Object.fromEntries(readTexts()) };
  } finally {
    await unregister();
  }
}

/** Builds dist/cli and records its inputs; returns the number of source files. */
export async function buildCli() {
  fs.rmSync(outdir, { recursive: true, force: true });
  const locale = await localeTexts();
  const result = await esbuild.build({
    entryPoints: [path.join(root, 'bot/cli/index.ts')],
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    metafile: true,
    logLevel: 'warning',
    plugins: [sourceDirname],
    define: { __ANTIFRAUD_LOCALE_TEXTS__: JSON.stringify(locale.texts) },
  });
  const files = {};
  for (const input of [...Object.keys(result.metafile.inputs).filter((i) => !i.startsWith('<')), ...locale.files]) {
    const file = path.resolve(root, input);
    const st = fs.statSync(file);
    files[path.relative(root, file)] = { size: st.size, mtimeMs: st.mtimeMs, sha1: crypto.createHash('sha1').update(fs.readFileSync(file)).digest('hex') };
  }
  fs.writeFileSync(path.join(outdir, 'inputs.json'), JSON.stringify({ builtAt: new Date().toISOString(), files }));
  return Object.keys(files).length;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  try {
    const n = await buildCli();
    process.stdout.write(`antifraud CLI compiled from ${n} files into dist/cli\n`);
  } catch (err) {
    // Never fail `npm install` over it: the CLI then runs the TypeScript through tsx.
    process.stderr.write(`antifraud CLI not compiled (${err.message}); it will run through tsx\n`);
  }
}
