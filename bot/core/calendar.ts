// The official calendar of mainland China: public holidays (法定节假日) and make-up workdays (调休),
// from the `chinese-days` package (the State Council's yearly notice, shipped as data inside the
// package: no network). Local changes — a county's own day off, a school's make-up day, or a year
// the package does not know yet — are listed in content/relay.yml `calendar` and win. Relay
// windows ("workdays"), the work-group reminders and the report generation days all ask here.
import chineseDays from 'chinese-days';
import { t } from '../i18n.ts';

/** Local overrides (content/relay.yml `calendar`): days off and extra workdays, `YYYY-MM-DD`. */
export interface CalendarOverrides {
  holidays: string[];
  extraWorkdays: string[];
}

export const NO_OVERRIDES: CalendarOverrides = { holidays: [], extraWorkdays: [] };

const pad = (n: number) => String(n).padStart(2, '0');

/** "YYYY-MM-DD" of a calendar date given as UTC-midnight Date or parts. */
export function isoDate(y: number, m: number, d: number): string {
  return `${y}-${pad(m)}-${pad(d)}`;
}

/** Whether the package has the official notice for `year` (元旦, 1 January, is a holiday in every notice). */
export function officialYearKnown(year: number): boolean {
  return !chineseDays.getDayDetail(`${year}-01-01`).work;
}

/**
 * True when the local date `YYYY-MM-DD` is a working day: an override first, else the official
 * calendar (a 调休 Saturday is a workday, a holiday Monday is not); for a year the package does not
 * know, Monday to Friday.
 */
export function isWorkday(date: string, overrides: CalendarOverrides = NO_OVERRIDES): boolean {
  if (overrides.extraWorkdays.includes(date)) return true;
  if (overrides.holidays.includes(date)) return false;
  const year = Number(date.slice(0, 4));
  if (officialYearKnown(year)) return chineseDays.isWorkday(date);
  const wd = new Date(`${date}T00:00:00Z`).getUTCDay();
  return wd >= 1 && wd <= 5;
}

/** What the calendar says about a date, for logs and answers ("国庆节", "调休上班", "周末"). */
export function dayName(date: string, overrides: CalendarOverrides = NO_OVERRIDES): string {
  if (overrides.extraWorkdays.includes(date)) return t('common.calendar.local_workday');
  if (overrides.holidays.includes(date)) return t('common.calendar.local_holiday');
  const d = chineseDays.getDayDetail(date);
  // The package's own holiday name (its data is Chinese), e.g. "国庆节".
  const official = d.name.split(',')[1];
  if (official) return d.work ? t('common.calendar.make_up_workday', { holiday: official }) : official;
  return t(d.work ? 'common.calendar.workday' : 'common.calendar.weekend');
}

/** The last workday on or before `date` (for generation days before a deadline). */
export function workdayOnOrBefore(date: string, overrides: CalendarOverrides = NO_OVERRIDES): string {
  let t = Date.parse(`${date}T00:00:00Z`);
  for (let i = 0; i < 30; i++, t -= 86_400_000) {
    const d = new Date(t);
    const s = isoDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
    if (isWorkday(s, overrides)) return s;
  }
  return date;
}
