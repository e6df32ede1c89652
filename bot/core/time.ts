// Time: the only module that knows the deployment's zone (Asia/Shanghai by default, config TZ) and
// does wall-clock arithmetic and formatting in an explicit IANA time zone (never the machine's TZ).
// Schedules, relay windows, reports, reminders, the CLI and the demo all read and print times here.

/** The default of TZ: Beijing time, the bureau's wall clock. */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

/** True when `tz` is an IANA time zone this Node.js knows. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export interface LocalParts {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** The wall-clock fields of `d` in `tz`. */
export function localParts(d: Date, tz: string): LocalParts {
  const p: Record<string, string> = {};
  for (const part of formatter(tz).formatToParts(d)) p[part.type] = part.value;
  return {
    year: Number(p.year),
    month: Number(p.month),
    day: Number(p.day),
    hour: Number(p.hour),
    minute: Number(p.minute),
    second: Number(p.second),
    weekday: WEEKDAYS[p.weekday],
  };
}

/** The instant at which the wall clock in `tz` shows the given local time. */
export function zonedTime(year: number, month: number, day: number, hour: number, minute: number, tz: string): Date {
  const want = Date.UTC(year, month - 1, day, hour, minute);
  let t = want;
  // Two corrections settle the offset (also across a DST change in zones that have one).
  for (let i = 0; i < 2; i++) {
    const p = localParts(new Date(t), tz);
    const shown = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
    t += want - shown;
  }
  return new Date(t);
}

/** "YYYY-MM-DD" of `d` in `tz`. */
export function localDay(d: Date, tz: string): string {
  const p = localParts(d, tz);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

/** "YYYY-MM-DDTHH:MM" of `d` in `tz` (the run coordinator's slot names). */
export function localMinute(d: Date, tz: string): string {
  const p = localParts(d, tz);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`;
}

/** The start of the local day after the one containing `d`. */
export function nextLocalMidnight(d: Date, tz: string): Date {
  const p = localParts(d, tz);
  const next = new Date(Date.UTC(p.year, p.month - 1, p.day + 1));
  return zonedTime(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), 0, 0, tz);
}

/** Minutes since local midnight from "HH:MM". */
export function parseHm(hm: string): number {
  const [h, m] = hm.split(':').map(Number);
  return h * 60 + m;
}

export function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** The instant the local day containing `d` starts in `tz`. */
export function localDayStart(d: Date, tz: string): Date {
  const p = localParts(d, tz);
  return zonedTime(p.year, p.month, p.day, 0, 0, tz);
}

/** Local midnight of a "YYYY-MM-DD" date in `tz`; null when it is not a real date. */
export function localMidnight(date: string, tz: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date.trim());
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(y, mo - 1, d));
  if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d) return null;
  return zonedTime(y, mo, d, 0, 0, tz);
}

/** "03-02 19:41" in `tz`, or "—". */
export function shortTime(d: Date | null | undefined, tz: string): string {
  if (!d) return '—';
  const p = localParts(d, tz);
  return `${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}`;
}

/** "2026-03-02 19:41:05" in `tz`, or "" (the CLI's full timestamps). */
export function dateTime(d: Date | null | undefined, tz: string): string {
  if (!d) return '';
  const p = localParts(d, tz);
  return `${localDay(d, tz)} ${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
}

/** "19:41" in `tz`. */
export function hourMinute(d: Date, tz: string): string {
  const p = localParts(d, tz);
  return `${pad(p.hour)}:${pad(p.minute)}`;
}

/** "03/02" in `tz` (month/day, as zh-CN shows a short date). */
export function monthDay(d: Date, tz: string): string {
  const p = localParts(d, tz);
  return `${pad(p.month)}/${pad(p.day)}`;
}

