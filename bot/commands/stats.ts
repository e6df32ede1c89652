// #统计 — the owning teacher or unit contact asks for this group's coverage of recent posts.
import { z } from 'zod';
import { t } from '../i18n.ts';
import { formatPct, groupCoverage } from '../ledger/coverage.ts';
import { managedGroup } from '../ledger/group-auth.ts';
import { managesRoom } from './manage.ts';
import { commandWords } from './words.ts';
import { defineCommand, type CommandDeps } from './types.ts';

const MAX_POSTS = 10;

/** Answers in the group with the coverage of posts sent there in the confirmation window. */
export async function statsReply(deps: CommandDeps, windowMs = deps.ctx.settings.ledger.windowMs): Promise<string> {
  const { ctx, account } = deps;
  const days = Math.round(windowMs / 86_400_000);
  const g = await managedGroup(deps);
  const posts = await groupCoverage(ctx.db.pool, g.id, new Date(deps.now.getTime() - windowMs));
  if (!posts.length) return t('ledger.stats_none', { days });
  const lines = posts.slice(0, MAX_POSTS).map((p) =>
    p.members === null
      ? t('ledger.stats_line_unknown', { code: p.code, title: p.title, confirmed: p.confirmed })
      : t('ledger.stats_line', { code: p.code, title: p.title, confirmed: p.confirmed, members: p.members, pct: formatPct(p.pct) }),
  );
  const latest = posts[0];
  const header = latest.members === null
    ? t('ledger.stats_header_unknown', { days })
    : t('ledger.stats_header', { days, members: latest.members, staff: latest.staff ? t('ledger.stats_staff', { staff: latest.staff }) : '' });
  return [header, ...lines].join('\n');
}

export const statsCommand = defineCommand({
  ...commandWords('stats'),
  where: ['group'],
  usageKey: 'registry.usage_stats',
  summaryKey: 'registry.summary_stats',
  /** No arguments (anything after the command is ignored). */
  schema: z.array(z.string()),
  allowed: managesRoom,
  handler: async (_args, deps) => statsReply(deps),
});
