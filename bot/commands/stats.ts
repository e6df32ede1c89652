// #统计 — the owning teacher or unit contact asks for this group's coverage of recent posts.
import { z } from 'zod';
import type { Account, AppContext } from '../app.ts';
import type { GroupMessage } from '../chat-types.ts';
import { t } from '../i18n.ts';
import { formatPct, groupCoverage } from '../ledger/coverage.ts';
import { ownedGroup } from '../ledger/group-auth.ts';
import { DEFAULT_LEDGER_SETTINGS } from '../ledger/settings.ts';

export const name = '统计';
export const aliases = ['覆盖率', 'stats'];
/** No arguments (anything after the command is ignored). */
export const schema = z.array(z.string());

const MAX_POSTS = 10;

/** Answers in the group with the coverage of posts sent there in the confirmation window. */
export async function handler(
  input: { args: z.infer<typeof schema>; msg: GroupMessage },
  deps: { ctx: AppContext; account: Account; windowMs?: number },
): Promise<string> {
  const { ctx, account } = deps;
  const windowMs = deps.windowMs ?? DEFAULT_LEDGER_SETTINGS.windowMs;
  const days = Math.round(windowMs / 86_400_000);
  const g = await ownedGroup(ctx.db.pool, ctx.ledgerSecret, account.id, input.msg.roomId, input.msg.senderName);
  const posts = await groupCoverage(ctx.db.pool, g.id, new Date(ctx.clock.now().getTime() - windowMs));
  if (!posts.length) return t('ledger.stats_none', { days });
  const lines = posts.slice(0, MAX_POSTS).map((p) =>
    t('ledger.stats_line', { code: p.code, title: p.title, confirmed: p.confirmed, members: p.members, pct: formatPct(p.pct) }),
  );
  return [t('ledger.stats_header', { days, members: posts[0].members }), ...lines].join('\n');
}

export default { name, aliases, schema, handler };
