// Report periods and their slots. Windows tile the year without gaps:
//   monthly  "2026-11": posts captured from 23 Oct 00:00 to 23 Nov 00:00, generated 23 Nov 08:00
//                       (two days before the plan's deadline, the 25th);
//   half-year "2026-H1": from 18 Dec 2025 to 18 Jun 2026, generated 18 Jun 08:00 (deadline 20 Jun);
//   annual   "2026":    from 18 Dec 2025 to 18 Dec 2026, generated 18 Dec 08:00 (deadline 20 Dec).
// A generation day that is not a workday in the official calendar (a weekend, a holiday; local
// overrides from content/relay.yml first) moves back to the last workday before it, so the report
// is ready on a working day before the deadline; the windows stay as they are.
// All wall times are in the configured time zone (bot/core/time.ts).
import { isoDate, NO_OVERRIDES, workdayOnOrBefore, type CalendarOverrides } from '../core/calendar.ts';
import { DEFAULT_TIME_ZONE, localParts, zonedTime } from '../core/time.ts';
import { UserError } from '../errors.ts';

export type ReportKind = 'monthly' | 'half_year' | 'annual';
export const REPORT_KINDS: ReportKind[] = ['monthly', 'half_year', 'annual'];

/** CLI / API spelling of a kind ("half-year") to the stored one ("half_year"). */
export function parseKind(text: string): ReportKind {
  const k = text.trim().toLowerCase().replace('-', '_');
  if (!(REPORT_KINDS as string[]).includes(k)) throw new UserError('bureau.bad_kind', { value: text }, `report kind must be monthly, half-year or annual (got "${text}")`);
  return k as ReportKind;
}

/**
 * Cron expressions (in the configured time zone) of the report jobs: every morning of the months in
 * which a generation day can fall; the job generates only on the period's generation day
 * (isGenerationDay), which the official calendar may move before the nominal 23rd / 18th.
 */
export const REPORT_CRON: Record<ReportKind, string> = {
  monthly: '0 8 * * *',
  half_year: '0 8 * 6 *',
  annual: '0 8 * 12 *',
};

export interface Period {
  kind: ReportKind;
  /** "2026-11", "2026-H1" or "2026". */
  period: string;
  window: { from: Date; to: Date };
  /** When the report is generated. */
  slot: Date;
  /** The plan's deadline (midnight starting the deadline day). */
  deadline: Date;
}

/** The instant of a wall-clock time in `tz` (month 1–12; overflowing days/months roll over). */
export function zoned(tz: string, y: number, m: number, d: number, h = 0): Date {
  return zonedTime(y, m, d, h, 0, tz);
}

/** Year, month, day of an instant in `tz`. */
export function localDate(at: Date, tz: string): { y: number; m: number; d: number } {
  const p = localParts(at, tz);
  return { y: p.year, m: p.month, d: p.day };
}

/** 08:00 of the last workday on or before the nominal generation day. */
function generationSlot(tz: string, y: number, m: number, d: number, calendar: CalendarOverrides): Date {
  const nominal = new Date(Date.UTC(y, m - 1, d));
  const day = workdayOnOrBefore(isoDate(nominal.getUTCFullYear(), nominal.getUTCMonth() + 1, nominal.getUTCDate()), calendar);
  const [yy, mm, dd] = day.split('-').map(Number);
  return zoned(tz, yy, mm, dd, 8);
}

/** Parses a period of a kind; throws a UserError that shows the expected form. */
export function parsePeriod(kind: ReportKind, text: string, tz = DEFAULT_TIME_ZONE, calendar: CalendarOverrides = NO_OVERRIDES): Period {
  const s = text.trim().toUpperCase();
  if (kind === 'monthly') {
    const m = /^(\d{4})-(\d{2})$/.exec(s);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw new UserError('bureau.bad_period', { value: text, example: '2026-11' }, `a monthly period looks like 2026-11 (got "${text}")`);
    const y = Number(m[1]);
    const mo = Number(m[2]);
    return { kind, period: `${m[1]}-${m[2]}`, window: { from: zoned(tz, y, mo - 1, 23), to: zoned(tz, y, mo, 23) }, slot: generationSlot(tz, y, mo, 23, calendar), deadline: zoned(tz, y, mo, 25) };
  }
  if (kind === 'half_year') {
    const m = /^(\d{4})-H1$/.exec(s);
    if (!m) throw new UserError('bureau.bad_period', { value: text, example: '2026-H1' }, `a half-year period looks like 2026-H1 (got "${text}")`);
    const y = Number(m[1]);
    return { kind, period: `${y}-H1`, window: { from: zoned(tz, y - 1, 12, 18), to: zoned(tz, y, 6, 18) }, slot: generationSlot(tz, y, 6, 18, calendar), deadline: zoned(tz, y, 6, 20) };
  }
  const m = /^(\d{4})$/.exec(s);
  if (!m) throw new UserError('bureau.bad_period', { value: text, example: '2026' }, `an annual period looks like 2026 (got "${text}")`);
  const y = Number(m[1]);
  return { kind, period: String(y), window: { from: zoned(tz, y - 1, 12, 18), to: zoned(tz, y, 12, 18) }, slot: generationSlot(tz, y, 12, 18, calendar), deadline: zoned(tz, y, 12, 20) };
}

function periodName(kind: ReportKind, y: number, m: number): string {
  if (kind === 'monthly') return `${y}-${String(m).padStart(2, '0')}`;
  return kind === 'half_year' ? `${y}-H1` : String(y);
}

/** The period after `p` (same kind). */
export function nextPeriod(p: Period, tz = DEFAULT_TIME_ZONE, calendar: CalendarOverrides = NO_OVERRIDES): Period {
  if (p.kind === 'monthly') {
    const [y, m] = p.period.split('-').map(Number);
    return parsePeriod('monthly', m === 12 ? periodName('monthly', y + 1, 1) : periodName('monthly', y, m + 1), tz, calendar);
  }
  return parsePeriod(p.kind, periodName(p.kind, Number(p.period.slice(0, 4)) + 1, 1), tz, calendar);
}

/** The latest period of a kind whose slot is at or before `now`. */
export function latestDue(kind: ReportKind, now: Date, tz = DEFAULT_TIME_ZONE, calendar: CalendarOverrides = NO_OVERRIDES): Period {
  const { y, m } = localDate(now, tz);
  let p = parsePeriod(kind, periodName(kind, y, m), tz, calendar);
  while (p.slot.getTime() > now.getTime()) {
    if (kind === 'monthly') p = parsePeriod(kind, prevMonth(p.period), tz, calendar);
    else p = parsePeriod(kind, periodName(kind, Number(p.period.slice(0, 4)) - 1, 1), tz, calendar);
  }
  return p;
}

function prevMonth(period: string): string {
  const [y, m] = period.split('-').map(Number);
  return m === 1 ? periodName('monthly', y - 1, 12) : periodName('monthly', y, m - 1);
}

/**
 * Periods whose slot has passed but that were not generated: those after `lastGenerated` up to
 * the latest due one (at most `limit`, newest kept). With nothing generated yet, only the latest.
 */
export function missedSlots(kind: ReportKind, lastGenerated: string | null, now: Date, tz = DEFAULT_TIME_ZONE, limit = 12, calendar: CalendarOverrides = NO_OVERRIDES): string[] {
  const latest = latestDue(kind, now, tz, calendar);
  if (!lastGenerated) return [latest.period];
  const last = parsePeriod(kind, lastGenerated, tz, calendar);
  const out: string[] = [];
  for (let p = nextPeriod(last, tz, calendar); p.slot.getTime() <= latest.slot.getTime(); p = nextPeriod(p, tz, calendar)) out.push(p.period);
  return out.slice(-limit);
}

/** The period a slot (the fire time of a report schedule) generates. */
export function periodOfSlot(kind: ReportKind, slot: Date, tz = DEFAULT_TIME_ZONE, calendar: CalendarOverrides = NO_OVERRIDES): Period {
  return latestDue(kind, new Date(slot.getTime() + 60_000), tz, calendar);
}

/** The period whose generation day is the local day of `at`, if any (the daily job fires every morning). */
export function generatedOn(kind: ReportKind, at: Date, tz = DEFAULT_TIME_ZONE, calendar: CalendarOverrides = NO_OVERRIDES): Period | undefined {
  const p = periodOfSlot(kind, at, tz, calendar);
  const day = (d: Date) => { const x = localDate(d, tz); return `${x.y}-${x.m}-${x.d}`; };
  return day(p.slot) === day(at) ? p : undefined;
}
