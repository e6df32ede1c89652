// When a delivery may go out: relay windows per group kind, the school calendar, quiet hours and
// the urgent lane. Pure functions over an explicit time zone.
import { isWorkday } from '../core/calendar.ts';
import {
  groupRelaySettingsSchema,
  type QuietHours,
  type RelaySettings,
  type RelayWindow,
} from './settings.ts';
import { localParts, pad, parseHm, zonedTime } from '../core/time.ts';

export interface WindowGroup {
  kind: 'work' | 'parent' | 'source';
  /** chat_group.settings (may override windows and quiet hours). */
  settings: unknown;
}

export interface WindowPost {
  urgent: boolean;
}

export interface EffectiveWindows {
  windows: RelayWindow[];
  quiet: QuietHours;
  /** Set when the group's own settings were unusable (the defaults apply). */
  problem?: string;
}

/** The windows and quiet hours that apply to `group`: its own overrides, else the kind's defaults. */
export function groupWindows(group: WindowGroup, settings: RelaySettings): EffectiveWindows {
  const defaults = group.kind === 'parent' ? settings.windows.parent : settings.windows.work;
  const own = groupRelaySettingsSchema.safeParse(group.settings ?? {});
  if (!own.success) {
    const problem = own.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    return { windows: defaults, quiet: settings.quiet, problem };
  }
  return { windows: own.data.windows ?? defaults, quiet: own.data.quiet ?? settings.quiet };
}

function dayMatches(w: RelayWindow, date: string, weekday: number, calendar: RelaySettings['calendar']): boolean {
  if (w.days === 'daily') return true;
  // The official calendar (调休 Saturdays work, holiday weekdays do not), local overrides first.
  if (w.days === 'workdays') return isWorkday(date, calendar);
  if (w.days === 'weekends') return !isWorkday(date, calendar);
  return w.days.includes(weekday);
}

/** True when `at` falls in the quiet hours (which may span midnight). */
export function inQuiet(at: Date, quiet: QuietHours, tz: string): boolean {
  const p = localParts(at, tz);
  const m = p.hour * 60 + p.minute;
  const from = parseHm(quiet.from);
  const to = parseHm(quiet.to);
  return from <= to ? m >= from && m < to : m >= from || m < to;
}

/** The first instant at or after `at` that is outside the quiet hours. */
export function quietEnd(at: Date, quiet: QuietHours, tz: string): Date {
  if (!inQuiet(at, quiet, tz)) return at;
  const p = localParts(at, tz);
  const m = p.hour * 60 + p.minute;
  const to = parseHm(quiet.to);
  const dayOffset = parseHm(quiet.from) > to && m >= parseHm(quiet.from) ? 1 : 0;
  const d = new Date(Date.UTC(p.year, p.month - 1, p.day + dayOffset));
  return zonedTime(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), Math.floor(to / 60), to % 60, tz);
}

/** How far ahead nextSendTime looks for a window (covers a winter break). */
export const WINDOW_SEARCH_DAYS = 60;

/**
 * The earliest instant at or after `now` when `post` may be sent to `group`: now for an urgent
 * post (unless in quiet hours: then their end), else the start of the next relay window (or now
 * inside one). Null when no window opens within WINDOW_SEARCH_DAYS.
 */
export function nextSendTime(
  post: WindowPost,
  group: WindowGroup,
  now: Date,
  settings: RelaySettings,
  tz: string,
): Date | null {
  const { windows, quiet } = groupWindows(group, settings);
  if (post.urgent) return quietEnd(now, quiet, tz);
  const today = localParts(now, tz);
  const sorted = [...windows].sort((a, b) => parseHm(a.from) - parseHm(b.from));
  for (let offset = 0; offset <= WINDOW_SEARCH_DAYS; offset++) {
    const d = new Date(Date.UTC(today.year, today.month - 1, today.day + offset));
    const y = d.getUTCFullYear();
    const mo = d.getUTCMonth() + 1;
    const da = d.getUTCDate();
    const date = `${y}-${pad(mo)}-${pad(da)}`;
    for (const w of sorted) {
      if (!dayMatches(w, date, d.getUTCDay(), settings.calendar)) continue;
      const start = zonedTime(y, mo, da, Math.floor(parseHm(w.from) / 60), parseHm(w.from) % 60, tz);
      const end = zonedTime(y, mo, da, Math.floor(parseHm(w.to) / 60), parseHm(w.to) % 60, tz);
      let cand = start > now ? start : now;
      if (cand >= end) continue;
      cand = quietEnd(cand, quiet, tz);
      if (cand < end) return cand;
    }
  }
  return null;
}

/** True when `post` may go to `group` right now. */
export function sendableNow(post: WindowPost, group: WindowGroup, now: Date, settings: RelaySettings, tz: string): boolean {
  const next = nextSendTime(post, group, now, settings, tz);
  return next !== null && next.getTime() <= now.getTime();
}
