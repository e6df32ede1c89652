#!/usr/bin/env node
// The `antifraud` command. Runs the CLI compiled at install (dist/cli, see bin/build.js) when
// it matches the sources, otherwise the TypeScript through tsx. `demo` always runs through tsx:
// it loads schedules/*.ts at run time.
import { compiledIsCurrent } from './compiled.js';

const command = process.argv.slice(2).find((a) => !a.startsWith('-'));
if (command !== 'demo' && process.env.ANTIFRAUD_CLI_FROM_SOURCE !== '1' && compiledIsCurrent('dist/cli')) {
  await import('../dist/cli/index.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../bot/cli/index.ts');
}
