// #自动转发 开|关 in a class parent group: only the owning teacher or the unit contact; forwarding
// starts only after 开 (bot/registry/registration.ts `setAutoForward`). Work groups always receive
// posts (registry/forwarding.ts): there the command says so and points to #暂停.
import { inRoom, managesRoom, render } from './manage.ts';
import { commandWords, onOffSchema } from './words.ts';
import { defineCommand } from './types.ts';

export const autoForwardCommand = defineCommand({
  ...commandWords('auto_forward'),
  where: ['group'],
  usageKey: 'registry.usage_auto',
  summaryKey: 'registry.summary_auto',
  schema: onOffSchema,
  allowed: async (deps) => Boolean(deps.registration?.attached) && deps.registration!.group.kind === 'parent' && (await managesRoom(deps)),
  handler: async (on, deps) => render(await deps.registry.setAutoForward(inRoom(deps), on)),
});
