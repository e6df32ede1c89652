// The official calendar (issue 11): a make-up Saturday (调休) is a workday and a holiday Monday is
// not — for relay windows, work-group reminders and report generation days; local overrides in
// content/relay.yml win.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayName, isWorkday, officialYearKnown } from '../../bot/core/calendar.ts';
import { fixedClock } from '../../bot/clock.ts';
import { remindsOn } from '../../bot/ledger/reminder-job.ts';
import { planPost } from '../../bot/relay/plan.ts';
import { localMinute } from '../../bot/core/time.ts';
import { startWorker } from '../../bot/relay/worker.ts';
import { catchUpReports } from '../../bot/reports/generate.ts';
import { generatedOn, parsePeriod } from '../../bot/reports/periods.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';
import { addPost, RecordingChat, seedWorld, testContext, testSettings } from '../helpers/relay-world.ts';

const TZ = 'Asia/Shanghai';
const bj = (local: string) => new Date(`${local}+08:00`);
let db: TestDb;
beforeAll(async () => {
  db = await freshDb();
});
afterAll(async () => db.drop());

async function sentAt(postId: number) {
  const { rows } = await db.pool.query(
    'SELECT g.kind::text AS kind, d.status::text AS status, d.due_at, d.sent_at FROM delivery d JOIN chat_group g ON g.id = d.group_id WHERE d.post_id = $1 ORDER BY g.kind::text DESC',
    [postId],
  );
  return rows.map((r) => [r.kind, r.status, localMinute(r.sent_at ?? r.due_at, TZ)]);
}

describe('the official calendar', () => {
  it('knows 2026: 28 Feb (Saturday) is a make-up workday, 4 May (Monday) a holiday', () => {
    expect(officialYearKnown(2026)).toBe(true);
    expect([isWorkday('2026-02-28'), dayName('2026-02-28')]).toEqual([true, '春节调休上班']);
    expect([isWorkday('2026-05-04'), dayName('2026-05-04')]).toEqual([false, '劳动节']);
    expect([isWorkday('2026-03-02'), isWorkday('2026-03-07')]).toEqual([true, false]);
    // Local overrides win (a county's own day off, a school's make-up day).
    expect(isWorkday('2026-03-02', { holidays: ['2026-03-02'], extraWorkdays: [] })).toBe(false);
    expect(isWorkday('2026-05-04', { holidays: [], extraWorkdays: ['2026-05-04'] })).toBe(true);
  });

  it('relays to work groups on a 调休 Saturday, and not on a holiday Monday', async () => {
    const clock = fixedClock(bj('2026-02-28T07:00'));
    const ctx = testContext(db, clock);
    const world = await seedWorld(db.pool, ['cal-1'], [{ kind: 'work', account: 0 }, { kind: 'parent', account: 0 }]);
    const chat = new RecordingChat('cal-1', clock);
    const account = { id: world.accounts[0].id, name: world.accounts[0].name, chat };
    const settings = testSettings({ gapMs: [0, 0] });

    const saturday = await addPost(db.pool, world, { title: '调休周六的推送' });
    await planPost(ctx, saturday.id, settings);
    clock.set(bj('2026-02-28T08:30'));
    await startWorker(ctx, account, { settings, stopWhenIdle: true }).done;
    // The work group got it in the Saturday morning window (a workday), the parent group at noon.
    expect(await sentAt(saturday.id)).toEqual([['work', 'sent', '2026-02-28T08:30'], ['parent', 'sent', '2026-02-28T12:00']]);

    clock.set(bj('2026-05-04T07:00'));
    const monday = await addPost(db.pool, world, { title: '劳动节假期周一的推送' });
    await planPost(ctx, monday.id, settings);
    // Holiday Monday: no work window until Wednesday 6 May (1–5 May are off); parent groups as every day.
    expect(await sentAt(monday.id)).toEqual([['work', 'pending', '2026-05-06T08:30'], ['parent', 'pending', '2026-05-04T12:00']]);
    clock.set(bj('2026-05-04T17:00'));
    await startWorker(ctx, account, { settings }).stop();
    expect((await sentAt(monday.id))[0]).toEqual(['work', 'pending', '2026-05-06T08:30']);
  });

  it('reminds work groups on workdays of the official calendar only', () => {
    const none = { holidays: [], extraWorkdays: [] };
    expect(remindsOn('work', bj('2026-02-28T16:00'), TZ, none)).toBe(true); // 调休 Saturday
    expect(remindsOn('work', bj('2026-05-04T16:00'), TZ, none)).toBe(false); // holiday Monday
    expect(remindsOn('work', bj('2026-03-07T16:00'), TZ, none)).toBe(false); // ordinary Saturday
    expect(remindsOn('parent', bj('2026-05-04T19:30'), TZ, none)).toBe(true); // parents every evening
  });

  it('moves a report generation day off weekends and holidays, never past the deadline', () => {
    // 23 May 2026 is a Saturday: the monthly report is generated on Friday 22 May.
    const may = parsePeriod('monthly', '2026-05');
    expect(localMinute(may.slot, TZ)).toBe('2026-05-22T08:00');
    expect(generatedOn('monthly', bj('2026-05-22T08:00'), TZ)?.period).toBe('2026-05');
    expect(generatedOn('monthly', bj('2026-05-23T08:00'), TZ)).toBeUndefined();
    // 23 Feb 2026 is in the Spring Festival holiday: generated on the make-up Saturday, 14 Feb.
    expect(localMinute(parsePeriod('monthly', '2026-02').slot, TZ)).toBe('2026-02-14T08:00');
    // A local day off moves it further.
    expect(localMinute(parsePeriod('monthly', '2026-11', TZ, { holidays: ['2026-11-23'], extraWorkdays: [] }).slot, TZ)).toBe('2026-11-20T08:00');
  });

  it('catches up at start with the local overrides too', async () => {
    // A bot that was down on Friday 20 Nov starts on Saturday the 21st. With 23 Nov a local day off,
    // November's reports were due on the 20th and are generated now; without it, they are not due yet.
    const clock = fixedClock(bj('2026-11-21T09:00'));
    const deps = { db, clock, timeZone: TZ };
    const localDayOff = { holidays: ['2026-11-23'], extraWorkdays: [] };
    expect(await catchUpReports(deps, 'monthly')).toEqual(['2026-10']);
    expect(await catchUpReports({ ...deps, calendar: localDayOff }, 'monthly')).toEqual(['2026-11']);
  });
});
