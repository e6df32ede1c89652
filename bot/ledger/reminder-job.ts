// The reminder jobs (schedules/reminders-parent.ts, schedules/reminders-work.ts) in the run
// coordinator's shape: one slot per firing, claimed once across processes by startSchedules.
import type { AppContext } from '../app.ts';
import { claimSlot, type ScheduledJob, type ScheduleSlot } from '../relay/run-coordinator.ts';
import { reminderAccounts, runReminders, type ReminderKind } from './reminders.ts';
import { loadLedgerSettings, type LedgerSettings } from './settings.ts';

/** cron for a kind: parent groups every evening, work groups on workdays (Mon–Fri). */
export function cronFor(kind: ReminderKind, settings: LedgerSettings): string {
  const [h, m] = (kind === 'parent' ? settings.remindParentAt : settings.remindWorkAt).split(':').map(Number);
  return kind === 'parent' ? `${m} ${h} * * *` : `${m} ${h} * * 1-5`;
}

/** Builds the job for `kind`; settings come from the environment (REMIND_PARENT_AT, …). */
export function reminderJob(kind: ReminderKind, settings: LedgerSettings = loadLedgerSettings()): ScheduledJob {
  const id = `reminders-${kind}`;
  return {
    id,
    cron: cronFor(kind, settings),
    description:
      kind === 'parent'
        ? 'remind parent groups below the coverage target, the evening after delivery'
        : 'remind work groups below the coverage target, the next workday',
    // Every process reminds the groups of the accounts it drives; each account's slot is claimed once.
    perProcess: true,
    run: async (ctx: AppContext, slot: ScheduleSlot) => {
      const log = ctx.log.child({ name: 'job', job: id, slot: slot.name });
      const accounts = reminderAccounts(ctx);
      if (!accounts.length) {
        log.warn('no accounts attached: main.ts must call attachReminderAccounts(ctx, accounts); nothing sent');
        return;
      }
      for (const account of accounts) {
        if (!(await claimSlot(ctx.db.pool, id, `${slot.name}:${account.id}`, `${process.pid}:${account.name}`))) {
          log.debug({ account: account.name }, 'slot already fired for this account');
          continue;
        }
        const r = await runReminders(ctx, [account], { kind, settings });
        log.info({ account: account.name, groups: r.groups.length, summaries: r.summaries.length, failed: r.failed }, 'reminders done');
      }
    },
  };
}
