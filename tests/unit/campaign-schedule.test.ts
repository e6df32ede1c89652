import { describe, expect, it } from 'vitest';
import job, { semesterStart } from '../../schedules/campaign-items.ts';
import { checkJob } from '../../bot/core/scheduler.ts';

describe('schedule campaign-items', () => {
  it('is a valid job with a stable id', () => {
    expect(checkJob(job, 'campaign-items.ts').id).toBe('campaign-items');
  });

  it.each([
    ['2026-03-02T07:30:00+08:00', '2026-spring'],
    ['2026-03-14T07:30:00+08:00', '2026-spring'],
    ['2026-03-15T07:30:00+08:00', null],
    ['2026-02-28T23:30:00+08:00', null],
    ['2026-08-31T23:30:00+08:00', null],
    ['2026-09-01T00:10:00+08:00', '2026-autumn'],
    ['2026-12-01T07:30:00+08:00', null],
  ])('at %s the semester window is %s (Beijing time)', (at, want) => {
    expect(semesterStart(new Date(at), 'Asia/Shanghai')).toBe(want);
  });
});
