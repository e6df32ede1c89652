// Daily at 17:45: reports the sends whose outcome is unknown (a crash or timeout after say()
// began). They are never resent automatically; the report puts them in front of a person.
import type { AppContext } from '../bot/app.ts';
import type { ScheduledJob, ScheduleSlot } from '../bot/core/scheduler.ts';
import { unknownDeliveries } from '../bot/relay/report.ts';

const job: ScheduledJob = {
  id: 'relay-unknown-report',
  cron: '45 17 * * *',
  description: 'report deliveries whose send outcome is unknown (never resent automatically)',
  catchUp: { days: 2 },
  run: async (ctx: AppContext, slot: ScheduleSlot) => {
    const since = new Date(slot.at.getTime() - 86_400_000);
    const rows = await unknownDeliveries(ctx.db.pool, since);
    const log = ctx.log.child({ name: 'job', job: 'relay-unknown-report' });
    if (!rows.length) {
      log.info('no unknown sends in the last day');
      return;
    }
    for (const r of rows) {
      log.warn({ post: r.code, group: r.group, account: r.account, error: r.error }, 'send outcome unknown: check the group by hand');
    }
    await ctx.db.prisma.auditEvent.create({
      data: {
        actor: 'schedule:relay-unknown-report',
        action: 'relay.unknown_report',
        detail: { slot: slot.name, deliveries: rows.map((r) => ({ id: r.id, post: r.code, groupId: r.groupId, error: r.error })) },
      },
    });
  },
};

export default job;
