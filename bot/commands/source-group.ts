// #来源群: a bureau member registers a group as the bureau's source group; what authorised members
// share there is captured as posts.
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { t } from '../i18n.ts';
import { audit } from '../registry/audit.ts';
import { describeGroup, ownerKeyOf } from '../registry/groups.ts';
import { bureauGroupsOf } from '../sources/admins.ts';
import { commandWords } from './words.ts';
import { defineCommand } from './types.ts';

export const sourceGroupCommand = defineCommand({
  ...commandWords('source_group'),
  where: ['group'],
  usageKey: 'registry.usage_source',
  summaryKey: 'registry.summary_source',
  schema: z.tuple([]),
  allowed: async (deps) => !deps.registration?.attached && (await bureauGroupsOf(deps.ctx, deps.account, deps.sender.id)).length > 0,
  handler: async (_none, deps) => {
    const { ctx, account, group: msg } = deps;
    if (deps.registration?.attached) throw new UserError('registry.class_already', { what: describeGroup(deps.registration.group) });
    const bureau = await bureauGroupsOf(ctx, account, deps.sender.id);
    if (bureau.length === 0) throw new UserError('registry.source_not_bureau');
    const unit = bureau[0].orgUnit;
    await ctx.db.prisma.$transaction(async (tx) => {
      const g = await tx.chatGroup.create({
        data: {
          kind: 'source', orgUnitId: unit.id, botAccountId: account.id, topic: msg!.topic, roomId: msg!.roomId,
          registeredBy: deps.sender.name, ownerKey: '', registeredAt: deps.now,
        },
      });
      await tx.chatGroup.update({ where: { id: g.id }, data: { ownerKey: ownerKeyOf(ctx, g.id, deps.sender.name) } });
      await audit(tx, { actor: deps.sender.name, action: 'group.registered', groupId: g.id, orgUnitId: unit.id, at: deps.now, detail: { kind: 'source', topic: msg!.topic } });
    });
    return t('registry.source_ok', { unit: unit.name });
  },
});
