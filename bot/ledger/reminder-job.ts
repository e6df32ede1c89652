// The reminder jobs (schedules/reminders-parent.ts, schedules/reminders-work.ts) in the scheduler's
// one job shape: the time of day comes from the ledger settings, the accounts from the job context.
// Every process reminds the groups of the accounts it drives; each account's slot is claimed once.
import { claimSlot, type JobContext, type ScheduledJob, type ScheduleSlot } from '../core/scheduler.ts';
import { isWorkday, type CalendarOverrides } from '../core/calendar.ts';
import { localDay } from '../core/time.ts';
import { runReminders, type ReminderKind } from './reminders.ts';
import type { LedgerSettings } from './settings.ts';

/**
 * cron for a kind: every day at its time. Work groups are reminded on workdays only, which cron
 * cannot tell (调休 Saturdays, holiday weekdays): the job asks the official calendar (shouldRun).
 */
export function cronFor(kind: ReminderKind, settings: LedgerSettings): string {
  const [h, m] = (kind === 'parent' ? settings.remindParentAt : settings.remindWorkAt).split(':').map(Number);
  return `${m} ${h} * * *`;
}

/** Whether reminders of `kind` go out on the local day of `at`: parent groups daily, work groups on workdays. */
export function remindsOn(kind: ReminderKind, at: Date, timeZone: string, calendar: CalendarOverrides): boolean {
  return kind === 'parent' || isWorkday(localDay(at, timeZone), calendar);
}

/** The job for `kind`; its time of day is REMIND_PARENT_AT / REMIND_WORK_AT of the settings. */
export function reminderJob(kind: ReminderKind): ScheduledJob {
  const id = `reminders-${kind}`;
  return {
    id,
    cron: (settings) => cronFor(kind, settings.ledger),
    description:
      kind === 'parent'
        ? 'remind parent groups below the coverage target, the evening after delivery'
        : 'remind work groups below the coverage target, the next workday',
    perProcess: true,
    run: async (ctx: JobContext, slot: ScheduleSlot) => {
      const log = ctx.log.child({ name: 'job', job: id, slot: slot.name });
      if (!remindsOn(kind, slot.at, ctx.config.timeZone, ctx.settings.relay.calendar)) {
        log.info({ day: localDay(slot.at, ctx.config.timeZone) }, 'not a workday in the official calendar; work groups are reminded on the next one');
        return;
      }
      if (!ctx.accounts.length) {
        log.warn('this process drives no WeChat account; nothing to remind');
        return;
      }
      for (const account of ctx.accounts) {
        if (!(await claimSlot(ctx.db.pool, id, `${slot.name}:${account.id}`, `${process.pid}:${account.name}`))) {
          log.debug({ account: account.name }, 'slot already fired for this account');
          continue;
        }
        const r = await runReminders(ctx, [account], { kind, settings: ctx.settings.ledger });
        log.info({ account: account.name, groups: r.groups.length, summaries: r.summaries.length, failed: r.failed, deferred: r.deferred }, 'reminders done');
      }
    },
  };
}
