// #活动 <主题> — staff file the photos and videos of an anti-fraud activity for the unit's monthly
// summary (bot/reports/activity-inbox.ts has the flow). Only in a registered work group.
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { t } from '../i18n.ts';
import { requireRegistered } from './manage.ts';
import { defineCommand } from './types.ts';
import { commandWords } from './words.ts';

export const MAX_CAPTION = 60;

export const activityCommand = defineCommand({
  ...commandWords('activity'),
  where: ['group'],
  usageKey: 'bureau.activity.usage',
  summaryKey: 'bureau.activity.summary',
  /** The caption: every word after the command. */
  schema: z.array(z.string()).min(1),
  allowed: async (deps) => deps.registration?.group.kind === 'work' && deps.registration.attached,
  handler: async (words, deps) => {
    const reg = requireRegistered(deps);
    if (reg.group.kind !== 'work' || reg.group.status !== 'active' || !reg.attached) throw new UserError('bureau.activity.work_only');
    if (!deps.activities || !deps.group) throw new UserError('bureau.activity.off');
    const caption = words.join(' ').trim();
    if (caption.length > MAX_CAPTION) throw new UserError('bureau.activity.caption_long', { max: MAX_CAPTION });
    const r = await deps.activities.start({
      account: deps.account, group: { id: reg.group.id, orgUnitId: reg.group.orgUnitId }, roomId: deps.group.roomId, senderName: deps.sender.name, caption, at: deps.now,
    });
    const minutes = deps.activities.windowMinutes;
    const failed = r.failed ? t('bureau.activity.some_failed', { n: r.failed }) : '';
    if (!r.filed) return t('bureau.activity.opened', { caption, minutes }) + failed;
    return t('bureau.activity.filed', { caption, unit: reg.group.orgUnit.name, image: r.image, video: r.video, minutes }) + failed;
  },
});
