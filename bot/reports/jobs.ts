// The report schedules as run-coordinator jobs (schedules/report-*.ts export these). A slot
// generates its period; the start-up catch-up slot generates every period whose slot passed while
// no process ran (bot/reports/generate.ts catchUpReports: since the last stored city report, at
// most 12, only the latest on a first start).
import type { AppContext } from '../app.ts';
import type { JobContext, ScheduledJob, ScheduleSlot } from '../core/scheduler.ts';
import { deliverSummaries } from './deliver.ts';
import { catchUpReports, generatePeriod } from './generate.ts';
import { generatedOn, REPORT_CRON, type ReportKind } from './periods.ts';

const DESCRIPTION: Record<ReportKind, string> = {
  monthly: 'monthly coverage reports per county bureau and city-direct school, and the city roll-up (due the 25th)',
  half_year: 'half-year coverage reports (due 20 June)',
  annual: 'annual coverage reports (due 20 December)',
};

/** The job of one report kind (ids never change: report-monthly, report-half-year, report-annual). */
export function reportJob(kind: ReportKind): ScheduledJob {
  const id = `report-${kind.replace('_', '-')}`;
  return {
    id,
    cron: REPORT_CRON[kind],
    description: DESCRIPTION[kind],
    // Any slot within the last 400 days triggers one catch-up run, which fills every gap.
    catchUp: { days: 400, maxSlots: 1 },
    async run(ctx: AppContext & Partial<Pick<JobContext, 'settings'>>, slot: ScheduleSlot) {
      const log = ctx.log.child({ name: 'reports', job: id });
      const calendar = ctx.settings?.relay.calendar;
      const deps = { db: ctx.db, clock: ctx.clock, log, timeZone: ctx.config.timeZone, calendar };
      if (slot.catchUp) {
        const periods = await catchUpReports(deps, kind);
        log.info({ periods }, periods.length ? 'missed report slots generated' : 'no report slot was missed');
        if (ctx.config.dataDir) for (const p of periods) await deliverSummaries(ctx, await generatePeriod(deps, kind, p));
        return;
      }
      const period = generatedOn(kind, slot.at, ctx.config.timeZone, calendar);
      if (!period) {
        log.debug({ slot: slot.name }, 'not a generation day');
        return;
      }
      const stored = await generatePeriod(deps, kind, period.period);
      log.info({ period: period.period, reports: stored.length, created: stored.filter((r) => r.created).length }, 'reports ready');
      // The summary documents (工作小结) under DATA_DIR/summaries/, e-mailed when SMTP is configured.
      if (ctx.config.dataDir) await deliverSummaries(ctx, stored);
    },
  };
}
