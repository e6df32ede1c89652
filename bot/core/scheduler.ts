// The scheduler: jobs over node-cron 4 with a PostgreSQL run coordinator, so each (job, slot) fires
// once across any number of processes (INSERT … ON CONFLICT DO NOTHING on cron_fire). Jobs are
// files schedules/<id>.ts with ONE shape: { id, cron, description, run(ctx, slot), catchUp?,
// perProcess? }. `run` receives a JobContext: the app context (with the settings) plus the runtime
// services a job may need (this process's accounts, planning, the capture hook), so no job starts
// its own timer and nothing hides state beside the context.
import cron, { type ScheduledTask } from 'node-cron';
import type pg from 'pg';
import type { Account, AppContext } from '../app.ts';
import type { Post } from '../db/client.ts';
import type { Planning } from '../relay/plan.ts';
import { localMinute, localParts, zonedTime } from './time.ts';
import type { Settings } from './settings.ts';

/** What the runtime gives every job besides the app context. */
export interface JobServices {
  /** The WeChat accounts this process drives (jobs that send, e.g. reminders, use these). */
  accounts: Account[];
  /** Delivery planning with this runtime's relay settings; wakes this process's relay workers. */
  planning: Planning;
  /** The capture hook: a newly captured post is planned (and the workers woken). */
  onPostCaptured: (post: Post) => Promise<void>;
}

/** The context a job's `run` receives. */
export interface JobContext extends AppContext, JobServices {}

/**
 * One firing of a job: the scheduled instant (a Date, so jobs that take `slot: Date` work as they
 * are) plus its stable name, "YYYY-MM-DDTHH:MM" local, and whether the start-up catch-up runs it.
 */
export class ScheduleSlot extends Date {
  constructor(
    at: Date,
    readonly name: string,
    readonly catchUp: boolean,
  ) {
    super(at.getTime());
  }
  /** The scheduled instant as a plain Date. */
  get at(): Date {
    return new Date(this.getTime());
  }
}

export interface ScheduledJob {
  /** Stable id; never rename it (cron_fire rows refer to it). */
  id: string;
  /** node-cron expression (5 fields) in the configured time zone, or one computed from the settings. */
  cron: string | ((settings: Settings) => string);
  description?: string;
  /**
   * Missed slots: `{ days, maxSlots? }` runs the most recent missed slots on start (claimed like
   * any slot); a function is the job's own catch-up, run once on start.
   */
  catchUp?: { days: number; maxSlots?: number } | ((ctx: JobContext) => Promise<void>);
  /**
   * Runs in every process instead of one: for jobs that act through this process's own WeChat
   * accounts (e.g. reminders) and claim their own finer slots (per account) inside `run`.
   */
  perProcess?: boolean;
  run: (ctx: JobContext, slot: ScheduleSlot) => Promise<void>;
}

/** The job's cron expression under `settings`; throws when it is not a valid node-cron expression. */
export function cronOf(job: ScheduledJob, settings: Settings): string {
  const expr = typeof job.cron === 'function' ? job.cron(settings) : job.cron;
  if (!cron.validate(expr)) throw new Error(`schedule ${job.id}: cron "${expr}" (from the settings) is not a valid node-cron expression`);
  return expr;
}

/** Claims one job slot; true for exactly one caller across all processes. */
export async function claimSlot(pool: pg.Pool, job: string, slot: string, by: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    'INSERT INTO cron_fire (job, slot, fired_by) VALUES ($1, $2, $3) ON CONFLICT (job, slot) DO NOTHING',
    [job, slot, by],
  );
  return rowCount === 1;
}

/** Checks a job's shape (the boundary of a schedules/ file). */
export function checkJob(job: unknown, file = '(job)'): ScheduledJob {
  const j = job as Partial<ScheduledJob>;
  const problems: string[] = [];
  if (!j || typeof j !== 'object') problems.push('does not export a job object');
  else {
    if (typeof j.id !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(j.id)) problems.push('id must be kebab-case text, e.g. "monthly-report"');
    if (typeof j.cron !== 'function' && (typeof j.cron !== 'string' || !cron.validate(j.cron))) {
      problems.push(`cron "${String(j.cron)}" is not a valid node-cron expression`);
    }
    if (j.description !== undefined && typeof j.description !== 'string') problems.push('description must be text');
    if (typeof j.run !== 'function') problems.push('run(ctx, slot) must be a function');
    if (j.catchUp && typeof j.catchUp !== 'function' && !(j.catchUp.days > 0)) problems.push('catchUp must be { days > 0 } or a function');
  }
  if (problems.length) throw new Error(`schedule ${file}: ${problems.join('; ')}`);
  return j as ScheduledJob;
}

/** The slots of `expr` in (`from`, `to`], newest first. */
export function slotsBetween(task: Pick<ScheduledTask, 'match'>, expr: string, from: Date, to: Date, tz: string): Date[] {
  const f = cron.parse(expr);
  const out: Date[] = [];
  const end = localParts(to, tz);
  for (let offset = 0; ; offset--) {
    const d = new Date(Date.UTC(end.year, end.month - 1, end.day + offset));
    if (zonedTime(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), 23, 59, tz) <= from) break;
    for (const h of [...f.hour].sort((a, b) => b - a)) {
      for (const m of [...f.minute].sort((a, b) => b - a)) {
        const at = zonedTime(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), h, m, tz);
        if (at > from && at <= to && task.match(at)) out.push(at);
      }
    }
  }
  return out;
}

export interface Schedules {
  tasks: ScheduledTask[];
  /** Resolves when the start-up catch-up has run. */
  caughtUp: Promise<void>;
  /** Stops the timers and waits for running jobs. */
  stop: () => Promise<void>;
}

/**
 * Registers `jobs` with node-cron (time zone from config). Each slot is claimed once across
 * processes, then awaited; failures are logged per job. Jobs with `catchUp` run missed slots.
 * A job whose cron (computed from the settings) is invalid is logged and not started.
 */
export function startSchedules(ctx: JobContext, all: ScheduledJob[], opts: { by?: string } = {}): Schedules {
  const tz = ctx.config.timeZone;
  const by = opts.by ?? `${process.pid}`;
  const running = new Set<Promise<void>>();
  const root = ctx.log.child({ name: 'schedules' });
  const jobs: (ScheduledJob & { expr: string })[] = [];
  for (const job of all) {
    try {
      jobs.push({ ...job, expr: cronOf(job, ctx.settings) });
    } catch (err) {
      root.error(`${(err as Error).message} — this job is not started; the others run`);
    }
  }

  async function fire(job: ScheduledJob, at: Date, catchUp: boolean): Promise<void> {
    const slot = new ScheduleSlot(at, localMinute(at, tz), catchUp);
    const log = ctx.log.child({ name: 'job', job: job.id, slot: slot.name });
    try {
      if (!job.perProcess && !(await claimSlot(ctx.db.pool, job.id, slot.name, by))) {
        log.debug('slot already fired by another process');
        return;
      }
      const t0 = Date.now();
      log.info({ catchUp }, 'job started');
      await job.run(ctx, slot);
      log.info({ ms: Date.now() - t0 }, 'job finished');
    } catch (err) {
      log.error({ err: { message: (err as Error).message, stack: (err as Error).stack } }, 'job failed');
    }
  }

  function track(p: Promise<void>): Promise<void> {
    running.add(p);
    return p.finally(() => running.delete(p));
  }

  const tasks = jobs.map((job) =>
    cron.schedule(job.expr, (c) => track(fire(job, c.date, false)), { timezone: tz, name: job.id, noOverlap: false }),
  );

  let stopped = false;
  const caughtUp = (async () => {
    const now = ctx.clock.now();
    for (const [i, job] of jobs.entries()) {
      const c = job.catchUp;
      if (!c || stopped) continue;
      if (typeof c === 'function') {
        await track(
          c(ctx).catch((err) => ctx.log.child({ name: 'job', job: job.id }).error({ err: { message: (err as Error).message } }, 'catch-up failed')),
        );
        continue;
      }
      const from = new Date(now.getTime() - c.days * 86_400_000);
      const slots = slotsBetween(tasks[i], job.expr, from, now, tz).slice(0, c.maxSlots ?? 1);
      for (const at of slots.reverse()) if (!stopped) await track(fire(job, at, true));
    }
  })().catch((err) => root.error({ err: (err as Error).message }, 'schedule catch-up failed'));

  root.info({ jobs: jobs.map((j) => `${j.id} (${j.expr})`), timeZone: tz }, 'schedules started');
  return {
    tasks,
    caughtUp,
    stop: async () => {
      stopped = true; // a catch-up still under way finishes its current job only
      await Promise.all(tasks.map((t) => t.stop()));
      await caughtUp;
      await Promise.allSettled([...running]);
    },
  };
}
