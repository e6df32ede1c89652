// #登记 <enrollment code>: the group becomes the unit's work group; the sender its contact
// (bot/registry/registration.ts `enroll`: lockout after repeated wrong codes, one transaction).
import { z } from 'zod';
import { commandWords } from './words.ts';
import { inRoom, render } from './manage.ts';
import { defineCommand } from './types.ts';

export const enrollCommand = defineCommand({
  ...commandWords('enroll'),
  where: ['group'],
  usageKey: 'registry.usage_enroll',
  summaryKey: 'registry.summary_enroll',
  // Codes look like K7QX-M4PA; people type them with a space too.
  schema: z.array(z.string().max(40)).min(1).max(2),
  allowed: async (deps) => !deps.registration || !deps.registration.attached || deps.registration.group.kind !== 'parent',
  handler: async (words, deps) => render(await deps.registry.enroll(inRoom(deps), words.join(''))),
});
