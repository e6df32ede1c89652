// #暂停 / #恢复: pause and resume deliveries. #恢复 also confirms a group after the bot was
// removed and added back (the registration it had comes back only with the owner's word).
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { t } from '../i18n.ts';
import { audit } from '../registry/audit.ts';
import { describeGroup, LEFT_REMOVED } from '../registry/groups.ts';
import { managesRoom, requireManager, requireRegistered } from './manage.ts';
import { commandWords } from './words.ts';
import { defineCommand } from './types.ts';

export const pauseCommand = defineCommand({
  ...commandWords('pause'),
  where: ['group'],
  usageKey: 'registry.usage_pause',
  summaryKey: 'registry.summary_pause',
  schema: z.tuple([]),
  allowed: async (deps) => deps.registration?.group.status === 'active' && (await managesRoom(deps)),
  handler: async (_none, deps) => {
    const reg = requireRegistered(deps);
    await requireManager(deps, reg);
    if (!reg.attached) throw new UserError('registry.not_registered');
    if (reg.group.status !== 'active') return t('registry.already');
    await deps.ctx.db.prisma.$transaction(async (tx) => {
      await tx.chatGroup.update({ where: { id: reg.group.id }, data: { status: 'paused' } });
      await audit(tx, { actor: deps.sender.name, action: 'group.paused', groupId: reg.group.id, orgUnitId: reg.group.orgUnitId, at: deps.now });
    });
    return t('registry.paused');
  },
});

export const resumeCommand = defineCommand({
  ...commandWords('resume'),
  where: ['group'],
  usageKey: 'registry.usage_resume',
  summaryKey: 'registry.summary_resume',
  schema: z.tuple([]),
  allowed: async (deps) =>
    (deps.registration?.group.status === 'paused' || deps.registration?.group.status === 'left') && (await managesRoom(deps)),
  handler: async (_none, deps) => {
    const reg = requireRegistered(deps);
    await requireManager(deps, reg);
    const g = reg.group;
    const msg = deps.group!;
    if (g.status === 'left' && g.statusReason === LEFT_REMOVED) {
      const before = ((g.settings ?? {}) as Record<string, unknown>).statusBefore;
      await deps.ctx.db.prisma.$transaction(async (tx) => {
        await tx.chatGroup.update({
          where: { id: g.id },
          data: { status: before === 'paused' ? 'paused' : 'active', statusReason: null, roomId: msg.roomId, topic: msg.topic },
        });
        await audit(tx, { actor: deps.sender.name, action: 'group.rejoin_confirmed', groupId: g.id, orgUnitId: g.orgUnitId, at: deps.now, detail: { topic: msg.topic } });
      });
      await deps.groupActivated(g.id);
      return t('registry.resumed_after_rejoin', { what: describeGroup(g) });
    }
    if (g.status !== 'paused') return t('registry.already');
    await deps.ctx.db.prisma.$transaction(async (tx) => {
      await tx.chatGroup.update({ where: { id: g.id }, data: { status: 'active' } });
      await audit(tx, { actor: deps.sender.name, action: 'group.resumed', groupId: g.id, orgUnitId: g.orgUnitId, at: deps.now });
    });
    await deps.groupActivated(g.id);
    return t('registry.resumed');
  },
});
