// #暂停 / #恢复: pause and resume deliveries. #恢复 also confirms a group after the bot was
// removed and added back (bot/registry/registration.ts `pause` / `resume`).
import { z } from 'zod';
import { inRoom, managesRoom, render } from './manage.ts';
import { commandWords } from './words.ts';
import { defineCommand } from './types.ts';

export const pauseCommand = defineCommand({
  ...commandWords('pause'),
  where: ['group'],
  usageKey: 'registry.usage_pause',
  summaryKey: 'registry.summary_pause',
  schema: z.tuple([]),
  allowed: async (deps) => deps.registration?.group.status === 'active' && (await managesRoom(deps)),
  handler: async (_none, deps) => render(await deps.registry.pause(inRoom(deps))),
});

export const resumeCommand = defineCommand({
  ...commandWords('resume'),
  where: ['group'],
  usageKey: 'registry.usage_resume',
  summaryKey: 'registry.summary_resume',
  schema: z.tuple([]),
  allowed: async (deps) =>
    (deps.registration?.group.status === 'paused' || deps.registration?.group.status === 'left') && (await managesRoom(deps)),
  handler: async (_none, deps) => render(await deps.registry.resume(inRoom(deps))),
});
