// #班级 <class> or #班级 <school> <class>: a teacher who is a member of a registered work group of
// the school registers the class parent group and owns it; auto-forward starts off
// (bot/registry/registration.ts `registerClass`).
import { z } from 'zod';
import { commandWords } from './words.ts';
import { inRoom, render } from './manage.ts';
import { defineCommand } from './types.ts';

export const classCommand = defineCommand({
  ...commandWords('class'),
  where: ['group'],
  usageKey: 'registry.usage_class',
  summaryKey: 'registry.summary_class',
  schema: z.array(z.string().max(40)).min(1).max(4),
  allowed: async (deps) => !deps.registration?.attached,
  handler: async (words, deps) => render(await deps.registry.registerClass(inRoom(deps), words)),
});
