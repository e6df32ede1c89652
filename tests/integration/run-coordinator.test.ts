import fs from 'node:fs';
import cron from 'node-cron';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { fixedClock, systemClock } from '../../bot/clock.ts';
import { checkJob, claimSlot, ScheduleSlot, slotsBetween, startSchedules, type ScheduledJob } from '../../bot/core/scheduler.ts';
import { loadSchedules, SCHEDULES_DIR } from '../../bot/runtime.ts';
import { localMinute } from '../../bot/core/time.ts';
import unknownReport from '../../schedules/relay-unknown-report.ts';
import { jobContext } from '../helpers/job-context.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';
import { captureLog } from '../helpers/log.ts';
import { addPost, seedWorld, testContext } from '../helpers/relay-world.ts';

const TZ = 'Asia/Shanghai';
const bj = (local: string) => new Date(`${local}+08:00`);

let db: TestDb;
beforeAll(async () => {
  db = await freshDb();
});
afterAll(async () => db.drop());
afterEach(() => {
  vi.useRealTimers();
});

describe('run coordinator', () => {
  it('gives a slot to exactly one of many concurrent claimers', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => claimSlot(db.pool, 'race', '2026-11-27T09:00', `p${i}`)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await claimSlot(db.pool, 'race', '2026-11-27T09:05', 'p0')).toBe(true);
    expect(await claimSlot(db.pool, 'other-job', '2026-11-27T09:00', 'p0')).toBe(true);
  });

  it('lists the slots of a cron expression in a time zone, newest first', () => {
    const task = cron.createTask('0 9 20 * *', () => undefined, { timezone: TZ });
    const monthly = slotsBetween(task, '0 9 20 * *', bj('2026-09-01T00:00'), bj('2026-11-27T10:00'), TZ).map((d) => localMinute(d, TZ));
    expect(monthly).toEqual(['2026-11-20T09:00', '2026-10-20T09:00', '2026-09-20T09:00']);
    const t2 = cron.createTask('30 8,14 * * 1-5', () => undefined, { timezone: TZ });
    const weekdays = slotsBetween(t2, '30 8,14 * * 1-5', bj('2026-11-27T09:00'), bj('2026-11-30T09:00'), TZ).map((d) => localMinute(d, TZ));
    expect(weekdays).toEqual(['2026-11-30T08:30', '2026-11-27T14:30']);
  });

  it('catches up the missed slot on start, once across two processes', async () => {
    const runs: string[] = [];
    const job: ScheduledJob = {
      id: 'monthly-test',
      cron: '0 9 20 * *',
      description: 'a report',
      catchUp: { days: 40 },
      run: async (_ctx, slot) => {
        runs.push(`${slot.name}${slot.catchUp ? ' (catch-up)' : ''}`);
      },
    };
    const ctx = jobContext(testContext(db, fixedClock(bj('2026-11-27T10:00'))));
    const a = startSchedules(ctx, [job], { by: 'a' });
    const b = startSchedules(ctx, [job], { by: 'b' });
    await Promise.all([a.caughtUp, b.caughtUp]);
    await Promise.all([a.stop(), b.stop()]);
    expect(runs).toEqual(['2026-11-20T09:00 (catch-up)']);
    // A job with its own catch-up function, and one that reads its slot as a Date.
    const seen: string[] = [];
    const own: ScheduledJob = {
      id: 'own-catch-up', cron: '0 9 20 * *',
      catchUp: async () => void seen.push('own catch-up'),
      run: async (_c, slot: Date) => void seen.push(new Date(slot).toISOString()),
    };
    const d = startSchedules(ctx, [own], { by: 'd' });
    await d.caughtUp;
    await d.stop();
    expect(seen).toEqual(['own catch-up']);
    expect(new Date(new ScheduleSlot(bj('2026-11-20T09:00'), 'x', false)).toISOString()).toBe('2026-11-20T01:00:00.000Z');
    // A restart does not run it again.
    const c = startSchedules(ctx, [job], { by: 'c' });
    await c.caughtUp;
    await c.stop();
    expect(runs).toHaveLength(1);
  });

  it('fires each slot once across processes, with a child logger per job; a failing job does not stop others', async () => {
    vi.useFakeTimers({ now: bj('2026-11-27T08:59:30'), toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const cap = captureLog('info');
    const ctx = jobContext(testContext(db, systemClock, cap.log));
    const runs: string[] = [];
    // Its cron computed from the settings the job context carries (like poll-feeds and reminders).
    const ok: ScheduledJob = { id: 'every-minute', cron: (s) => (s.sources.pollMinutes === 30 ? '* * * * *' : '0 0 1 1 *'), description: 'x', run: async (_c, s) => void runs.push(s.name) };
    const bad: ScheduledJob = { id: 'broken', cron: '* * * * *', description: 'y', run: async () => { throw new Error('boom'); } };
    const badCron: ScheduledJob = { id: 'bad-cron', cron: () => '61 * * * *', description: 'z', run: async () => void runs.push('never') };
    const p1 = startSchedules(ctx, [ok, bad, badCron], { by: 'p1' });
    const p2 = startSchedules(ctx, [ok, bad, badCron], { by: 'p2' });
    expect(cap.messages()).toContain('schedule bad-cron: cron "61 * * * *" (from the settings) is not a valid node-cron expression — this job is not started; the others run');
    // Real database I/O goes on under the fake timers; wait for it with setImmediate (not faked).
    const settle = async (n: number) => {
      for (let spins = 0; spins < 200_000 && (runs.length < n || cap.lines.filter((l) => l.msg === 'job failed').length < n); spins++) {
        await new Promise((r) => setImmediate(r));
      }
    };
    for (let i = 1; i <= 3; i++) {
      await vi.advanceTimersByTimeAsync(60_000);
      await settle(i);
    }
    vi.useRealTimers();
    await Promise.all([p1.stop(), p2.stop()]);
    expect(runs).toEqual(['2026-11-27T09:00', '2026-11-27T09:01', '2026-11-27T09:02']);
    const failed = cap.lines.filter((l) => l.msg === 'job failed');
    expect(failed.length).toBe(runs.length);
    expect(failed[0]).toMatchObject({ name: 'job', job: 'broken', slot: '2026-11-27T09:00' });
    const { rows } = await db.pool.query("SELECT slot, fired_by FROM cron_fire WHERE job = 'every-minute' ORDER BY slot");
    expect(rows.map((r) => r.slot)).toEqual(runs);
  });

  it('loads the schedules/ files and refuses malformed jobs with a reason', async () => {
    const { jobs, problems } = await loadSchedules();
    // One job shape: every schedules/ file, poll-feeds included, is a job of the scheduler.
    expect(jobs.map((j) => j.id).sort()).toEqual(
      fs.readdirSync(SCHEDULES_DIR).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, '')).sort(),
    );
    expect(jobs.map((j) => j.id)).toEqual(expect.arrayContaining(['poll-feeds', 'relay-plan-groups', 'relay-unknown-report', 'report-monthly', 'reminders-parent']));
    expect(problems).toEqual([]);
    expect(() => checkJob({ id: 'Bad Id', cron: '61 * * * *', run: 1 }, 'x.ts')).toThrow(
      'schedule x.ts: id must be kebab-case text, e.g. "monthly-report"; cron "61 * * * *" is not a valid node-cron expression; run(ctx, slot) must be a function',
    );
  });

  it('the unknown-send report names each unknown delivery and records it', async () => {
    const world = await seedWorld(db.pool, ['report-a'], [{ kind: 'work', account: 0, count: 2 }]);
    const post = await addPost(db.pool, world, {});
    await db.pool.query(
      `INSERT INTO delivery (post_id, group_id, bot_account_id, status, due_at, error, updated_at) VALUES
       ($1, $2, $4, 'unknown', now(), 'may have been sent, not resent automatically: socket hang up', $5),
       ($1, $3, $4, 'sent', now(), NULL, $5)`,
      [post.id, world.groups[0].id, world.groups[1].id, world.accounts[0].id, bj('2026-11-27T10:00')],
    );
    const cap = captureLog('info');
    const ctx = jobContext(testContext(db, fixedClock(bj('2026-11-27T17:45')), cap.log));
    await unknownReport.run(ctx, new ScheduleSlot(bj('2026-11-27T17:45'), '2026-11-27T17:45', false));
    const warn = cap.lines.filter((l) => l.msg === 'send outcome unknown: check the group by hand');
    expect(warn).toHaveLength(1);
    expect(warn[0]).toMatchObject({ post: post.code, group: world.groups[0].topic });
    const ev = await db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'relay.unknown_report' } });
    expect((ev.detail as { deliveries: unknown[] }).deliveries).toHaveLength(1);
  });
});
