// #来源群: a bureau member registers a group as the bureau's source group; what authorised members
// share there is captured as posts (bot/registry/registration.ts `registerSourceGroup`).
import { z } from 'zod';
import { bureauGroupsOf } from '../registry/authority.ts';
import { commandWords } from './words.ts';
import { inRoom, render } from './manage.ts';
import { defineCommand } from './types.ts';

export const sourceGroupCommand = defineCommand({
  ...commandWords('source_group'),
  where: ['group'],
  usageKey: 'registry.usage_source',
  summaryKey: 'registry.summary_source',
  schema: z.tuple([]),
  allowed: async (deps) => !deps.registration?.attached && (await bureauGroupsOf(deps.ctx, deps.account, deps.sender)).length > 0,
  handler: async (_none, deps) => render(await deps.registry.registerSourceGroup(inRoom(deps))),
});
