// #未确认 — the owning teacher or unit contact gets, in private chat, the names of members who have
// not confirmed the recent posts. Names are read live from the room; they are not stored.
import { z } from 'zod';
import type { Account, AppContext } from '../app.ts';
import type { GroupMessage } from '../chat-types.ts';
import { UserError } from '../errors.ts';
import { t } from '../i18n.ts';
import { groupCoverage } from '../ledger/coverage.ts';
import { ownedGroup, packMessages } from '../ledger/group-auth.ts';
import { liveMembers, nonConfirmers } from '../ledger/non-confirmers.ts';
import { DEFAULT_LEDGER_SETTINGS } from '../ledger/settings.ts';

export const name = '未确认';
export const aliases = ['未读', 'unconfirmed'];
/** No arguments. */
export const schema = z.array(z.string());

/** Sends the asker the non-confirmers privately; answers in the group without names. */
export async function handler(
  input: { args: z.infer<typeof schema>; msg: GroupMessage },
  deps: { ctx: AppContext; account: Account; windowMs?: number },
): Promise<string> {
  const { ctx, account } = deps;
  const windowMs = deps.windowMs ?? DEFAULT_LEDGER_SETTINGS.windowMs;
  const days = Math.round(windowMs / 86_400_000);
  const g = await ownedGroup(ctx.db.pool, ctx.ledgerSecret, account.id, input.msg.roomId, input.msg.senderName);
  const posts = await groupCoverage(ctx.db.pool, g.id, new Date(ctx.clock.now().getTime() - windowMs));
  const members = await liveMembers(account.chat, g.roomId, g.botName);
  const missing = await nonConfirmers(ctx.db.pool, ctx.ledgerSecret, g.id, members, posts.map((p) => p.postId));
  const blocks = posts
    .filter((p) => missing.get(p.postId)!.length > 0)
    .map((p) => {
      const names = missing.get(p.postId)!.map((m) => m.name);
      return { prefix: t('ledger.unconfirmed_post', { code: p.code, title: p.title, count: names.length, names: '' }), names };
    });
  if (!blocks.length) return t('ledger.unconfirmed_none', { days });
  const messages = packMessages(t('ledger.unconfirmed_header', { topic: g.topic }), blocks, {
    sep: t('ledger.separator'),
    more: t('ledger.reminder_more'),
  });
  try {
    for (const text of messages) await account.chat.sayToContact(input.msg.senderId, { type: 'text', text });
  } catch (err) {
    ctx.log.child({ name: 'ledger' }).warn({ err: { message: (err as Error).message }, group: g.id }, 'private list could not be sent');
    throw new UserError('ledger.private_failed');
  }
  return t('ledger.unconfirmed_sent');
}

export default { name, aliases, schema, handler };
