import { describe, expect, it } from 'vitest';
import { UserError } from '../../bot/errors.ts';
import { latestDue, missedSlots, parseKind, parsePeriod, periodOfSlot } from '../../bot/reports/periods.ts';

describe('report periods (Asia/Shanghai)', () => {
  it('puts the monthly slot two days before the 25th and tiles the windows', () => {
    const p = parsePeriod('monthly', '2026-11');
    expect(p.window.from.toISOString()).toBe('2026-10-22T16:00:00.000Z'); // 23 Oct 00:00 local
    expect(p.window.to.toISOString()).toBe('2026-11-22T16:00:00.000Z');
    expect(p.slot.toISOString()).toBe('2026-11-23T00:00:00.000Z'); // 23 Nov 08:00 local
    expect(p.deadline.toISOString()).toBe('2026-11-24T16:00:00.000Z'); // 25 Nov
    expect(parsePeriod('monthly', '2027-01').window.from.toISOString()).toBe('2026-12-22T16:00:00.000Z');
  });

  it('ends the half-year before 20 June and the year before 20 December', () => {
    const h = parsePeriod('half_year', '2026-h1');
    expect(h.period).toBe('2026-H1');
    expect([h.window.from, h.window.to, h.slot, h.deadline].map((d) => d.toISOString())).toEqual([
      '2025-12-17T16:00:00.000Z', '2026-06-17T16:00:00.000Z', '2026-06-18T00:00:00.000Z', '2026-06-19T16:00:00.000Z',
    ]);
    const y = parsePeriod('annual', '2026');
    expect([y.window.from, y.window.to, y.slot, y.deadline].map((d) => d.toISOString())).toEqual([
      '2025-12-17T16:00:00.000Z', '2026-12-17T16:00:00.000Z', '2026-12-18T00:00:00.000Z', '2026-12-19T16:00:00.000Z',
    ]);
  });

  it.each([
    ['monthly', '2026-13', 'a monthly period looks like 2026-11 (got "2026-13")'],
    ['monthly', "2026-11'; DROP TABLE report;--", 'a monthly period looks like 2026-11'],
    ['half_year', '2026-H2', 'a half-year period looks like 2026-H1 (got "2026-H2")'],
    ['annual', '26', 'an annual period looks like 2026 (got "26")'],
  ] as const)('refuses %s period %s', (kind, text, msg) => {
    expect(() => parsePeriod(kind, text)).toThrow(UserError);
    expect(() => parsePeriod(kind, text)).toThrow(msg);
  });

  it('reads kinds the CLI way', () => {
    expect(parseKind('half-year')).toBe('half_year');
    expect(() => parseKind('weekly')).toThrow('report kind must be monthly, half-year or annual (got "weekly")');
  });

  it('knows the latest due period', () => {
    expect(latestDue('monthly', new Date('2026-11-22T23:59:00Z')).period).toBe('2026-10');
    expect(latestDue('monthly', new Date('2026-11-23T00:00:00Z')).period).toBe('2026-11');
    expect(latestDue('monthly', new Date('2027-01-05T00:00:00Z')).period).toBe('2026-12');
    expect(latestDue('half_year', new Date('2026-05-01T00:00:00Z')).period).toBe('2025-H1');
    expect(latestDue('annual', new Date('2026-12-18T00:00:00Z')).period).toBe('2026');
  });

  it('lists missed slots for catch-up, across a year end', () => {
    const now = new Date('2027-02-24T00:00:00Z');
    expect(missedSlots('monthly', '2026-10', now)).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
    expect(missedSlots('monthly', '2027-02', now)).toEqual([]);
    expect(missedSlots('monthly', null, now)).toEqual(['2027-02']);
    expect(missedSlots('annual', '2024', now)).toEqual(['2025', '2026']);
    expect(missedSlots('monthly', '2020-01', now, 'Asia/Shanghai', 3)).toEqual(['2026-12', '2027-01', '2027-02']);
  });

  it('maps a fire time to its period', () => {
    expect(periodOfSlot('monthly', new Date('2026-11-23T00:00:00Z')).period).toBe('2026-11');
    expect(periodOfSlot('half_year', new Date('2026-06-18T00:00:00Z')).period).toBe('2026-H1');
  });
});
