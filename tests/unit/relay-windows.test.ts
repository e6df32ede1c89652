import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../bot/config.ts';
import { loadRelaySettings, parseRelaySettings, type RelaySettings } from '../../bot/relay/settings.ts';
import { throttlePause } from '../../bot/relay/throttle.ts';
import { localMinute } from '../../bot/core/time.ts';
import { groupWindows, inQuiet, nextSendTime, sendableNow } from '../../bot/relay/windows.ts';

const TZ = 'Asia/Shanghai';
const settings = loadRelaySettings();
// 2026-11-27 is a Friday. Times below are Beijing time.
const at = (local: string) => new Date(`${local}+08:00`);
const show = (d: Date | null) => (d ? localMinute(d, TZ) : null);
const work = { kind: 'work' as const, settings: {} };
const parent = { kind: 'parent' as const, settings: {} };
const normal = { urgent: false };
const urgent = { urgent: true };

describe('relay windows (Asia/Shanghai)', () => {
  it.each([
    ['work', work, '2026-11-27T07:00', '2026-11-27T08:30'],
    ['work', work, '2026-11-27T09:15', '2026-11-27T09:15'],
    ['work', work, '2026-11-27T11:30', '2026-11-27T14:30'],
    ['work', work, '2026-11-27T12:00', '2026-11-27T14:30'],
    ['work', work, '2026-11-27T17:30', '2026-11-30T08:30'], // Friday evening → Monday
    ['work', work, '2026-11-28T10:00', '2026-11-30T08:30'], // Saturday
    ['parent', parent, '2026-11-27T07:00', '2026-11-27T12:00'],
    ['parent', parent, '2026-11-27T13:30', '2026-11-27T19:00'],
    ['parent', parent, '2026-11-27T20:59', '2026-11-27T20:59'],
    ['parent', parent, '2026-11-27T21:30', '2026-11-28T12:00'], // parents on Saturday too
  ])('%s group at %s → %s', (_k, group, now, expected) => {
    expect(show(nextSendTime(normal, group, at(now), settings, TZ))).toBe(expected);
  });

  it.each([
    ['2026-11-27T21:30', '2026-11-27T21:30'], // late but not quiet: at once
    ['2026-11-27T22:00', '2026-11-28T07:00'], // quiet starts
    ['2026-11-27T23:59', '2026-11-28T07:00'],
    ['2026-11-28T03:00', '2026-11-28T07:00'],
    ['2026-11-28T07:00', '2026-11-28T07:00'],
  ])('urgent post at %s → %s (outside windows, never in quiet hours)', (now, expected) => {
    expect(show(nextSendTime(urgent, parent, at(now), settings, TZ))).toBe(expected);
    expect(show(nextSendTime(urgent, work, at(now), settings, TZ))).toBe(expected);
  });

  it('follows the school calendar: holidays and 调休 workdays', () => {
    const cal: RelaySettings = { ...settings, calendar: { holidays: ['2026-11-30'], extraWorkdays: ['2026-11-28'] } };
    expect(show(nextSendTime(normal, work, at('2026-11-27T18:00'), cal, TZ))).toBe('2026-11-28T08:30');
    expect(show(nextSendTime(normal, work, at('2026-11-28T18:00'), cal, TZ))).toBe('2026-12-01T08:30');
  });

  it('takes a group\'s own windows and quiet hours from chat_group.settings', () => {
    const own = { kind: 'parent' as const, settings: { windows: [{ days: [0, 6], from: '18:00', to: '20:00' }] } };
    expect(show(nextSendTime(normal, own, at('2026-11-27T19:00'), settings, TZ))).toBe('2026-11-28T18:00');
    const early = { kind: 'parent' as const, settings: { quiet: { from: '19:30', to: '07:30' } } };
    expect(show(nextSendTime(normal, early, at('2026-11-27T19:10'), settings, TZ))).toBe('2026-11-27T19:10');
    expect(show(nextSendTime(normal, early, at('2026-11-27T19:40'), settings, TZ))).toBe('2026-11-28T12:00');
    expect(inQuiet(at('2026-11-27T07:15'), { from: '19:30', to: '07:30' }, TZ)).toBe(true);
  });

  it('falls back to the defaults when a group\'s settings are unusable, and says why', () => {
    const bad = { kind: 'work' as const, settings: { windows: [{ days: 'sometimes', from: '25:00', to: '08:00' }] } };
    const w = groupWindows(bad, settings);
    expect(w.windows).toBe(settings.windows.work);
    expect(w.problem).toMatch(/HH:MM/);
    expect(show(nextSendTime(normal, bad, at('2026-11-27T07:00'), settings, TZ))).toBe('2026-11-27T08:30');
  });

  it('does not depend on the machine time zone', () => {
    const before = process.env.TZ;
    try {
      process.env.TZ = 'America/New_York';
      expect(show(nextSendTime(normal, work, at('2026-11-27T17:30'), settings, TZ))).toBe('2026-11-30T08:30');
      expect(sendableNow(normal, parent, at('2026-11-27T12:30'), settings, TZ)).toBe(true);
      expect(sendableNow(normal, parent, at('2026-11-27T13:30'), settings, TZ)).toBe(false);
    } finally {
      if (before === undefined) delete process.env.TZ;
      else process.env.TZ = before;
    }
  });

  it('returns null when no window opens within the search horizon', () => {
    const never: RelaySettings = { ...settings, calendar: { holidays: [], extraWorkdays: [] }, windows: { ...settings.windows, work: [{ days: [], from: '08:00', to: '09:00' } as never] } };
    expect(nextSendTime(normal, work, at('2026-11-27T07:00'), never, TZ)).toBeNull();
  });

  it('throttle pauses step 15 min → 1 h → the next local day', () => {
    const now = at('2026-11-27T10:00');
    expect(show(throttlePause(1, now, [15, 60], TZ))).toBe('2026-11-27T10:15');
    expect(show(throttlePause(2, now, [15, 60], TZ))).toBe('2026-11-27T11:00');
    expect(show(throttlePause(3, now, [15, 60], TZ))).toBe('2026-11-28T00:00');
  });
});

describe('relay settings (content/relay.yml)', () => {
  const good = () => structuredClone(loadRelaySettings()) as unknown as Record<string, any>;
  function problems(mutate: (s: Record<string, any>) => void): string {
    const s = good();
    mutate(s);
    try {
      parseRelaySettings(s, 'relay.yml');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as ConfigError).problems.join('\n');
    }
    throw new Error('expected the settings to be refused');
  }

  it('has the defaults of the issue', () => {
    expect(settings.windows.work).toEqual([
      { days: 'workdays', from: '08:30', to: '11:30' },
      { days: 'workdays', from: '14:30', to: '17:30' },
    ]);
    expect(settings.quiet).toEqual({ from: '22:00', to: '07:00' });
    expect(settings.sending).toMatchObject({ gapMs: [4000, 10000], perMinute: 20, dailyCap: 400, throttlePausesMin: [15, 60] });
    expect(settings.planning.relevanceDays).toBe(3);
  });

  it.each([
    [(s: any) => (s.windows.work[0].from = '8:30'), /relay.yml: windows.work.0.from must be a time of day "HH:MM"/],
    [(s: any) => (s.windows.parent[0] = { days: 'daily', from: '13:00', to: '12:00' }), /must end after it starts/],
    [(s: any) => (s.sending.gapMs = [10000, 4000]), /min ≤ max/],
    [(s: any) => (s.sending.dailyCap = 0), /sending.dailyCap must be above 0/],
    [(s: any) => (s.calendar.holidays = ['2026/10/01']), /calendar.holidays.0 must be a date "YYYY-MM-DD"/],
    [(s: any) => (s.planning.relevanceDays = -1), /relevanceDays must be 0 or more/],
  ])('refuses a bad value with a message naming it (%#)', (mutate, message) => {
    expect(problems(mutate)).toMatch(message);
  });

  it('names an unreadable file', () => {
    expect(() => loadRelaySettings('/nonexistent/relay.yml')).toThrow(/cannot read the relay settings \/nonexistent\/relay.yml: ENOENT/);
  });
});
