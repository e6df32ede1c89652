// Workdays at 07:30 (before the relay windows open): during the first two weeks of a semester
// (spring from 1 March, autumn from 1 September), the content/campaign items become posts and are
// planned — the semester letter (一封信) once per semester, the app-install attestation and the
// local warning cases once. Capture is idempotent (canonical key per item and period), so a second
// process or a catch-up run makes no second post. Stable id: campaign-items.
import type { JobContext, ScheduledJob, ScheduleSlot } from '../bot/core/scheduler.ts';
import { captureCampaignItem, loadCampaignItems } from '../bot/ledger/campaign.ts';
import { localParts } from '../bot/core/time.ts';

/** Days after a semester's first day during which its campaign items go out. */
export const SEMESTER_WINDOW_DAYS = 14;

/** The semester whose first two weeks contain `at` ("2026-spring"), or null outside them. */
export function semesterStart(at: Date, tz: string): string | null {
  const p = localParts(at, tz);
  const starts: [number, string][] = [[3, 'spring'], [9, 'autumn']];
  for (const [month, name] of starts) {
    const day = (Date.UTC(p.year, p.month - 1, p.day) - Date.UTC(p.year, month - 1, 1)) / 86_400_000;
    if (day >= 0 && day < SEMESTER_WINDOW_DAYS) return `${p.year}-${name}`;
  }
  return null;
}

const job: ScheduledJob = {
  id: 'campaign-items',
  cron: '30 7 * * 1-5',
  description: 'semester letter, app-install attestation and warning cases from content/campaign, in the first two weeks of a semester',
  catchUp: { days: 3 },
  run: async (ctx: JobContext, slot: ScheduleSlot) => {
    const log = ctx.log.child({ name: 'job', job: 'campaign-items', slot: slot.name });
    const period = semesterStart(slot.at, ctx.config.timeZone);
    if (!period) {
      log.debug('not in the first two weeks of a semester');
      return;
    }
    for (const item of loadCampaignItems()) {
      const r = await captureCampaignItem(ctx, item, {
        period: item.schedule === 'semester' ? period : undefined,
        onPostCaptured: async (post) => {
          const planned = await ctx.planning.post(post.id);
          log.info({ item: item.key, post: post.code, ...planned }, 'campaign item captured and planned');
        },
      });
      if (!r.created) log.debug({ item: item.key, post: r.post.code }, 'campaign item already captured');
    }
  },
};

export default job;
