// Schedule "reminders": parent groups every evening (default 19:30), work groups every workday
// (Mon–Fri, default 16:00), Asia/Shanghai unless TZ says otherwise. Each firing claims its slot per
// bot account through the run coordinator, so several processes never remind twice; the reminder
// table adds the per-post, per-group, per-day guarantee. The logic is bot/ledger/reminders.ts.
import cron from 'node-cron';
import type pg from 'pg';
import type { Account, AppContext } from '../bot/app.ts';
import { localDay, runReminders, type ReminderKind, type ReminderResult } from '../bot/ledger/reminders.ts';
import type { LedgerSettings } from '../bot/ledger/settings.ts';

/** Stable id: never rename (cron_fire rows are keyed by it). */
export const id = 'reminders';

export type ClaimSlot = (pool: pg.Pool, job: string, slot: string, by: string) => Promise<boolean>;

export interface ReminderScheduleDeps {
  ctx: AppContext;
  accounts: Account[];
  settings: LedgerSettings;
  /** bot/relay/run-coordinator.ts claimSlot. */
  claimSlot: ClaimSlot;
  /** Who fires (process name), recorded in cron_fire. */
  by: string;
}

/** cron expressions for the two kinds ("19:30" → "30 19 * * *"). */
export function cronFor(kind: ReminderKind, settings: LedgerSettings): string {
  const [h, m] = (kind === 'parent' ? settings.remindParentAt : settings.remindWorkAt).split(':').map(Number);
  return kind === 'parent' ? `${m} ${h} * * *` : `${m} ${h} * * 1-5`;
}

/** One firing: for each account, claim `<kind>:<day>:<account>` and run its reminders. */
export async function fireReminders(deps: ReminderScheduleDeps, kind: ReminderKind): Promise<ReminderResult[]> {
  const { ctx } = deps;
  const log = ctx.log.child({ name: 'job', job: id, kind });
  const { day } = localDay(ctx.clock.now(), ctx.config.timeZone);
  const out: ReminderResult[] = [];
  for (const account of deps.accounts) {
    const slot = `${kind}:${day}:${account.id}`;
    if (!(await deps.claimSlot(ctx.db.pool, id, slot, deps.by))) {
      log.debug({ slot }, 'slot already fired by another process');
      continue;
    }
    const r = await runReminders(ctx, [account], { kind, settings: deps.settings });
    log.info({ slot, groups: r.groups.length, summaries: r.summaries.length, failed: r.failed }, 'reminders done');
    out.push(r);
  }
  return out;
}

/** Starts both cron tasks; returns a stop function. */
export function startReminders(deps: ReminderScheduleDeps): { stop: () => Promise<void> } {
  const log = deps.ctx.log.child({ name: 'job', job: id });
  const tasks = (['parent', 'work'] as const).map((kind) =>
    cron.schedule(
      cronFor(kind, deps.settings),
      async () => {
        try {
          await fireReminders(deps, kind);
        } catch (err) {
          log.error({ err, kind }, 'reminder job failed');
        }
      },
      { timezone: deps.ctx.config.timeZone, name: `${id}:${kind}`, noOverlap: true },
    ),
  );
  return { stop: async () => void (await Promise.all(tasks.map((t) => t.stop()))) };
}
