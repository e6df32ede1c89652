// zod schemas for query parameters and bodies, with messages that say what a good value is.
import { z } from 'zod';
import { zoned } from '../reports/periods.ts';

export const MAX_PAGE_SIZE = 100;

export const page = {
  page: z.coerce.number({ message: 'page must be a whole number from 1' }).int({ message: 'page must be a whole number from 1' }).min(1, { message: 'page must be a whole number from 1' }).max(100_000, { message: 'page is too large' }).default(1),
  /** Capped: asking for more than MAX_PAGE_SIZE gets MAX_PAGE_SIZE. */
  pageSize: z.coerce
    .number({ message: `pageSize must be a whole number from 1 to ${MAX_PAGE_SIZE}` })
    .int({ message: `pageSize must be a whole number from 1 to ${MAX_PAGE_SIZE}` })
    .min(1, { message: `pageSize must be a whole number from 1 to ${MAX_PAGE_SIZE}` })
    .default(20)
    .transform((n) => Math.min(n, MAX_PAGE_SIZE)),
};

export const id = (name: string) => z.coerce.number({ message: `${name} must be a unit id (a whole number)` }).int({ message: `${name} must be a unit id (a whole number)` }).min(1, { message: `${name} must be a unit id (a whole number)` }).max(2_147_483_647, { message: `${name} is not a known id` });

/** A post's short code; full-width forms (Ｆ１２３) are read as typed. */
export const postCode = z.preprocess(
  (v) => (typeof v === 'string' ? v.normalize('NFKC').trim() : v),
  z.string().regex(/^[A-Za-z]\d{1,9}$/, { message: 'a post code looks like F123' }).transform((s) => s.toUpperCase()),
);

/** A date (YYYY-MM-DD, midnight in the time zone) or an ISO date-time with an offset. */
export function dateParam(name: string, tz: string) {
  return z.string().transform((s, ctx) => {
    const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
    if (d) {
      const [y, m, day] = [Number(d[1]), Number(d[2]), Number(d[3])];
      const t = zoned(tz, y, m, day);
      if (m >= 1 && m <= 12 && day >= 1 && day <= 31 && !Number.isNaN(t.getTime())) return t;
    } else if (/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$/.test(s)) {
      const t = new Date(s);
      if (!Number.isNaN(t.getTime())) return t;
    }
    ctx.addIssue({ code: 'custom', message: `${name} must be a date like 2026-11-01 or 2026-11-01T08:00:00+08:00` });
    return z.NEVER;
  });
}

export const target = z.coerce.number({ message: 'target must be a percentage from 0 to 100' }).min(0, { message: 'target must be a percentage from 0 to 100' }).max(100, { message: 'target must be a percentage from 0 to 100' }).default(100);

export const figuresPeriod = z.string().regex(/^\d{4}(-(0[1-9]|1[0-2]|H1))?$/, { message: 'period must look like 2026-11 (month), 2026-H1 (half-year) or 2026 (year)' });

/** A list like "failed,unknown" of allowed words. */
export function wordList<T extends string>(name: string, allowed: readonly T[]) {
  return z.string().transform((s, ctx) => {
    const words = s.split(',').map((w) => w.trim()).filter(Boolean);
    const bad = words.filter((w) => !(allowed as readonly string[]).includes(w));
    if (bad.length || !words.length) {
      ctx.addIssue({ code: 'custom', message: `${name} must be one or more of ${allowed.join(', ')} separated by commas` });
      return z.NEVER;
    }
    return words as T[];
  });
}
