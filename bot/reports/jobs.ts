// The report schedules as jobs: `run` generates the period a slot stands for, `catchUp` the
// periods whose slot passed while no process ran. schedules/report-*.ts export these.
import type { AppContext } from '../app.ts';
import { catchUpReports, generatePeriod } from './generate.ts';
import { periodOfSlot, REPORT_CRON, type ReportKind } from './periods.ts';

export interface ReportJob {
  id: string;
  cron: string;
  timezone: string;
  run: (ctx: Pick<AppContext, 'db' | 'clock' | 'log' | 'config'>, slot: string | Date) => Promise<void>;
  catchUp: (ctx: Pick<AppContext, 'db' | 'clock' | 'log' | 'config'>) => Promise<void>;
}

/** The job of one report kind (ids never change: report-monthly, report-half-year, report-annual). */
export function reportJob(kind: ReportKind): ReportJob {
  const id = `report-${kind.replace('_', '-')}`;
  return {
    id,
    cron: REPORT_CRON[kind],
    timezone: 'Asia/Shanghai',
    async run(ctx, slot) {
      const log = ctx.log.child({ name: 'reports', job: id });
      const period = periodOfSlot(kind, new Date(slot), ctx.config.timeZone);
      const stored = await generatePeriod({ db: ctx.db, clock: ctx.clock, log, timeZone: ctx.config.timeZone }, kind, period.period);
      log.info({ period: period.period, reports: stored.length, created: stored.filter((r) => r.created).length }, 'reports ready');
    },
    async catchUp(ctx) {
      const log = ctx.log.child({ name: 'reports', job: id });
      const periods = await catchUpReports({ db: ctx.db, clock: ctx.clock, log, timeZone: ctx.config.timeZone }, kind);
      if (periods.length) log.info({ periods }, 'missed report slots generated');
    },
  };
}
