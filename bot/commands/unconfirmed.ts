// #未确认 — the owning teacher or unit contact gets, in private chat, the names of members who have
// not confirmed the recent posts. Names are read live from the room; they are not stored.
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { t } from '../i18n.ts';
import { groupCoverage } from '../ledger/coverage.ts';
import { managedGroup, packMessages } from '../ledger/group-auth.ts';
import { managesRoom } from './manage.ts';
import { readAudience } from '../ledger/audience.ts';
import { nonConfirmers } from '../ledger/non-confirmers.ts';
import { commandWords } from './words.ts';
import { defineCommand, type CommandDeps } from './types.ts';

/** Sends the asker the non-confirmers privately; answers in the group without names. */
export async function unconfirmedReply(deps: CommandDeps, windowMs = deps.ctx.settings.ledger.windowMs): Promise<string> {
  const { ctx, account } = deps;
  const days = Math.round(windowMs / 86_400_000);
  const g = await managedGroup(deps);
  const posts = await groupCoverage(ctx.db.pool, g.id, new Date(deps.now.getTime() - windowMs));
  const audience = await readAudience({ pool: ctx.db.pool, secret: ctx.ledgerSecret, chat: account.chat, log: ctx.log, now: deps.now }, g);
  const missing = await nonConfirmers(ctx.db.pool, ctx.ledgerSecret, g.id, audience.families, posts.map((p) => p.postId));
  const blocks = posts
    .filter((p) => missing.get(p.postId)!.length > 0)
    .map((p) => {
      const names = missing.get(p.postId)!.map((m) => m.name);
      return { prefix: t('ledger.unconfirmed_post', { code: p.code, title: p.title, count: names.length, names: '' }), names };
    });
  if (!blocks.length) return t('ledger.unconfirmed_none', { days });
  const messages = packMessages(t('ledger.unconfirmed_header', { topic: g.topic }), blocks, {
    sep: t('common.separator'),
    more: t('ledger.reminder_more'),
  });
  try {
    for (const text of messages) await account.chat.sayToContact(deps.sender.id, { type: 'text', text });
  } catch (err) {
    ctx.log.child({ name: 'ledger' }).warn({ err: { message: (err as Error).message }, group: g.id }, 'private list could not be sent');
    throw new UserError('ledger.private_failed');
  }
  return t('ledger.unconfirmed_sent');
}

export const unconfirmedCommand = defineCommand({
  ...commandWords('unconfirmed'),
  where: ['group'],
  usageKey: 'registry.usage_unconfirmed',
  summaryKey: 'registry.summary_unconfirmed',
  /** No arguments. */
  schema: z.array(z.string()),
  allowed: managesRoom,
  handler: async (_args, deps) => unconfirmedReply(deps),
});
