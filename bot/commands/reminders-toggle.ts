// #提醒 开|关 — the owning teacher or unit contact turns the group's confirmation reminders on or off.
import { t } from '../i18n.ts';
import { managedGroup } from '../ledger/group-auth.ts';
import { managesRoom } from './manage.ts';
import { commandWords, onOffSchema } from './words.ts';
import { defineCommand } from './types.ts';

/** One argument: an on or off word (a wrong one gets the usage line from the router). */
export const remindersToggleSchema = onOffSchema.transform((on) => ({ on }));

export const remindersToggleCommand = defineCommand({
  ...commandWords('reminders'),
  where: ['group'],
  usageKey: 'registry.usage_reminders',
  summaryKey: 'registry.summary_reminders',
  schema: remindersToggleSchema,
  allowed: managesRoom,
  /** Sets chat_group.reminders_on and records who changed it. */
  handler: async ({ on }, deps) => {
    const { ctx, account } = deps;
    const g = await managedGroup(deps);
    await ctx.db.prisma.$transaction([
      ctx.db.prisma.chatGroup.update({ where: { id: g.id }, data: { remindersOn: on } }),
      ctx.db.prisma.auditEvent.create({
        data: { actor: deps.sender.name, action: on ? 'group.reminders_on' : 'group.reminders_off', groupId: g.id, orgUnitId: g.orgUnitId },
      }),
    ]);
    return t(on ? 'ledger.reminders_on' : 'ledger.reminders_off');
  },
});
