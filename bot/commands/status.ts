// #状态: what this group is, its status, and what was delivered lately.
import { monthDay } from '../core/time.ts';
import { z } from 'zod';
import { t } from '../i18n.ts';
import { forwardsAutomatically } from '../registry/forwarding.ts';
import { describeGroup } from '../registry/groups.ts';
import { requireRegistered } from './manage.ts';
import { commandWords } from './words.ts';
import { defineCommand } from './types.ts';

export const statusCommand = defineCommand({
  ...commandWords('status'),
  where: ['group'],
  usageKey: 'registry.usage_status',
  summaryKey: 'registry.summary_status',
  schema: z.tuple([]),
  handler: async (_none, deps) => {
    const reg = requireRegistered(deps);
    // Matched by topic only (another room with a removed or ambiguous group's topic): anyone can
    // name a room like that, so nothing about the group is shown until its owner confirms.
    if (!reg.attached && reg.matchedBy === 'topic') return t('registry.status_unconfirmed');
    const g = reg.group;
    const lines = [
      t('registry.status', {
        what: describeGroup(g),
        status: t(`registry.status_${g.status}`),
        auto: g.kind === 'work' ? t('registry.auto_work') : t(forwardsAutomatically(g) ? 'registry.on' : 'registry.off'),
        owner: g.registeredBy,
      }),
    ];
    const recent = await deps.ctx.db.prisma.delivery.findMany({
      where: { groupId: g.id, status: 'sent' },
      orderBy: { sentAt: 'desc' },
      take: 5,
      include: { post: { select: { code: true, title: true } } },
    });
    if (recent.length === 0) lines.push(t('registry.status_none'));
    else {
      lines.push(t('registry.status_recent'));
      for (const d of recent) {
        lines.push(t('registry.status_recent_line', { day: monthDay(d.sentAt!, deps.ctx.config.timeZone), code: d.post.code, title: d.post.title.slice(0, 30) }));
      }
    }
    return lines.join('\n');
  },
});
