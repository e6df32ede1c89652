// #注销: the group stops being registered (kept as `left` for the delivery history).
import { z } from 'zod';
import { t } from '../i18n.ts';
import { audit } from '../registry/audit.ts';
import { LEFT_UNREGISTERED } from '../registry/groups.ts';
import { managesRoom, requireManager, requireRegistered } from './manage.ts';
import { commandWords } from './words.ts';
import { defineCommand } from './types.ts';

export const unregisterCommand = defineCommand({
  ...commandWords('unregister'),
  where: ['group'],
  usageKey: 'registry.usage_unregister',
  summaryKey: 'registry.summary_unregister',
  schema: z.tuple([]),
  allowed: managesRoom,
  handler: async (_none, deps) => {
    const reg = requireRegistered(deps);
    await requireManager(deps, reg);
    await deps.ctx.db.prisma.$transaction(async (tx) => {
      await tx.chatGroup.update({
        where: { id: reg.group.id },
        data: { status: 'left', statusReason: LEFT_UNREGISTERED, roomId: null, autoForward: false },
      });
      await audit(tx, { actor: deps.sender.name, action: 'group.unregistered', groupId: reg.group.id, orgUnitId: reg.group.orgUnitId, at: deps.now, detail: { topic: reg.group.topic } });
    });
    return t('registry.unregistered');
  },
});
