// Every 5 minutes: groups registered, resumed or switched to auto-forward since the last sweep get
// the posts of the relevance period (planLateGroup), so a new class is not empty. The sweep looks
// back 15 minutes; planning is idempotent, so overlaps and a missed slot lose nothing.
import type { JobContext, ScheduledJob, ScheduleSlot } from '../bot/core/scheduler.ts';

const job: ScheduledJob = {
  id: 'relay-plan-groups',
  cron: '*/5 * * * *',
  description: 'give newly registered / resumed groups the posts of the relevance period',
  run: async (ctx: JobContext, slot: ScheduleSlot) => {
    const r = await ctx.planning.changedGroups(new Date(slot.at.getTime() - 15 * 60_000));
    if (r.groups) ctx.log.child({ name: 'job', job: 'relay-plan-groups' }).info(r, 'late groups planned');
  },
};

export default job;
