// #提醒 开|关 — the owning teacher or unit contact turns the group's confirmation reminders on or off.
import { z } from 'zod';
import type { Account, AppContext } from '../app.ts';
import type { GroupMessage } from '../chat-types.ts';
import { UserError } from '../errors.ts';
import { t } from '../i18n.ts';
import { ownedGroup } from '../ledger/group-auth.ts';

export const name = '提醒';
export const aliases = ['reminders'];
const ON = ['开', '开启', '打开', 'on'];
const OFF = ['关', '关闭', '停', 'off'];
/** One argument: 开 or 关. */
export const schema = z
  .array(z.string())
  .transform((a) => a.map((s) => s.normalize('NFKC').trim().toLowerCase()).filter(Boolean))
  .refine((a) => a.length === 1 && (ON.includes(a[0]) || OFF.includes(a[0])), { message: 'ledger.reminders_usage' })
  .transform((a) => ({ on: ON.includes(a[0]) }));

/** Sets chat_group.reminders_on and records who changed it. */
export async function handler(
  input: { args: z.input<typeof schema>; msg: GroupMessage },
  deps: { ctx: AppContext; account: Account },
): Promise<string> {
  const parsed = schema.safeParse(input.args);
  if (!parsed.success) throw new UserError('ledger.reminders_usage');
  const { ctx, account } = deps;
  const g = await ownedGroup(ctx.db.pool, ctx.ledgerSecret, account.id, input.msg.roomId, input.msg.senderName);
  const on = parsed.data.on;
  await ctx.db.prisma.$transaction([
    ctx.db.prisma.chatGroup.update({ where: { id: g.id }, data: { remindersOn: on } }),
    ctx.db.prisma.auditEvent.create({
      data: { actor: input.msg.senderName, action: on ? 'group.reminders_on' : 'group.reminders_off', groupId: g.id, orgUnitId: g.orgUnitId },
    }),
  ]);
  return t(on ? 'ledger.reminders_on' : 'ledger.reminders_off');
}

export default { name, aliases, schema, handler };
