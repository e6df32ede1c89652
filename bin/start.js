#!/usr/bin/env node
// `npm start`. Runs the bot compiled at install (dist/bot, see bin/build.js) when it matches the
// sources and schedules/ holds the same job files, otherwise the TypeScript through tsx (which costs
// the process tsx's loader for its whole life: about 55 MB more at 500 rooms of 500). ANTIFRAUD_FROM_SOURCE=1
// forces tsx.
import { botIsCurrent } from './compiled.js';

if (process.env.ANTIFRAUD_FROM_SOURCE !== '1' && botIsCurrent()) {
  await import('../dist/bot/bot/main.js');
} else {
  if (process.env.ANTIFRAUD_FROM_SOURCE !== '1') {
    process.stderr.write('antifraud-relay: the compiled bot (dist/bot) does not match the sources; running them through tsx (`npm run build` compiles them again)\n');
  }
  const { register } = await import('tsx/esm/api');
  register();
  await import('../bot/main.ts');
}
