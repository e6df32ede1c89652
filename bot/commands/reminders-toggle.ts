// #提醒 开|关 — the owning teacher or unit contact turns the group's confirmation reminders on or off.
import { z } from 'zod';
import { t } from '../i18n.ts';
import { managedGroup } from '../ledger/group-auth.ts';
import { managesRoom } from './manage.ts';
import { defineCommand } from './types.ts';

const ON = ['开', '开启', '打开', 'on'];
const OFF = ['关', '关闭', '停', 'off'];

/** One argument: 开 or 关 (a wrong one gets the usage line from the router). */
export const remindersToggleSchema = z
  .array(z.string())
  .transform((a) => a.map((s) => s.normalize('NFKC').trim().toLowerCase()).filter(Boolean))
  .refine((a) => a.length === 1 && (ON.includes(a[0]) || OFF.includes(a[0])), { message: 'ledger.reminders_usage' })
  .transform((a) => ({ on: ON.includes(a[0]) }));

export const remindersToggleCommand = defineCommand({
  name: '提醒',
  aliases: ['reminders'],
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
