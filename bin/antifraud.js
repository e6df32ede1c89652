#!/usr/bin/env node
// The `antifraud` command. Runs the CLI compiled at install (dist/cli, see bin/build-cli.js) when
// it matches the sources, otherwise the TypeScript through tsx. `demo` always runs through tsx:
// it loads schedules/*.ts at run time.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

/** True when dist/cli was built from exactly the sources that are here now. */
function compiledIsCurrent() {
  let inputs;
  try {
    inputs = JSON.parse(fs.readFileSync(path.join(root, 'dist/cli/inputs.json'), 'utf8'));
  } catch {
    return false;
  }
  for (const [rel, want] of Object.entries(inputs.files)) {
    const file = path.join(root, rel);
    let st;
    try {
      st = fs.statSync(file);
    } catch {
      return false;
    }
    if (st.size === want.size && st.mtimeMs === want.mtimeMs) continue;
    // Touched (a checkout, a copy): compare the content.
    if (crypto.createHash('sha1').update(fs.readFileSync(file)).digest('hex') !== want.sha1) return false;
  }
  return true;
}

const command = process.argv.slice(2).find((a) => !a.startsWith('-'));
if (command !== 'demo' && process.env.ANTIFRAUD_CLI_FROM_SOURCE !== '1' && compiledIsCurrent()) {
  await import('../dist/cli/index.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../bot/cli/index.ts');
}
