// #注销: the group stops being registered, kept as `left` for the delivery history
// (bot/registry/registration.ts `unregister`; operators: `antifraud group unregister`).
import { z } from 'zod';
import { inRoom, managesRoom, render } from './manage.ts';
import { commandWords } from './words.ts';
import { defineCommand } from './types.ts';

export const unregisterCommand = defineCommand({
  ...commandWords('unregister'),
  where: ['group'],
  usageKey: 'registry.usage_unregister',
  summaryKey: 'registry.summary_unregister',
  schema: z.tuple([]),
  allowed: managesRoom,
  handler: async (_none, deps) => render(await deps.registry.unregister(inRoom(deps))),
});
