// /api/coverage/timeline: coverage over time (per day or per post) for the token's unit, or a county
// or unit inside it, and for each unit one level down — the dashboard's charts.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { coverageTimeline } from '../../ledger/coverage-timeline.ts';
import { localDate, zoned } from '../../reports/periods.ts';
import { badRequest, parseInput } from '../errors.ts';
import { dateParam, id, target } from '../inputs.ts';
import { narrowScope, principalOf } from '../scope.ts';
import type { ApiDeps } from '../server.ts';

/** Default window: the last 30 days, today included. */
const DEFAULT_DAYS = 30;
/** Longest window: a school year and a bit. */
const MAX_DAYS = 400;
const DAY = 86_400_000;

/** Registers the timeline route. */
export function registerTrendRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const tz = deps.config.timeZone;

  app.get('/api/coverage/timeline', async (req) => {
    const q = parseInput(
      z.object({
        by: z.enum(['day', 'post'], { message: 'by must be day or post' }).default('day'),
        from: dateParam('from', tz).optional(),
        to: dateParam('to', tz).optional(),
        county: id('county').optional(),
        school: id('school').optional(),
        target,
      }),
      req.query,
    );
    const p = principalOf(req);
    const today = localDate(deps.clock.now(), tz);
    // A `to` given as a day includes that day (the window ends at the next midnight).
    const rawTo = (req.query as { to?: unknown }).to;
    const toDay = q.to && typeof rawTo === 'string' && !rawTo.includes('T') ? localDate(q.to, tz) : null;
    const to = toDay ? zoned(tz, toDay.y, toDay.m, toDay.d + 1) : (q.to ?? zoned(tz, today.y, today.m, today.d + 1));
    const from = q.from ?? new Date(to.getTime() - DEFAULT_DAYS * DAY);
    if (from.getTime() >= to.getTime()) throw badRequest('from must be before to');
    if (to.getTime() - from.getTime() > MAX_DAYS * DAY) throw badRequest(`the window is at most ${MAX_DAYS} days; narrow from/to`);
    const scope = await narrowScope(deps.db.prisma, p, q);
    const t = await coverageTimeline(deps.db.pool, { window: { from, to }, by: q.by, scope, timeZone: tz, target: q.target });
    return { timeZone: tz, target: q.target, scope, ...t };
  });
}
