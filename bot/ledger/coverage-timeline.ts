// Coverage over time for the dashboard's charts: per day (of capture, in the bureau's time zone) or
// per post, for a unit and the units one level below it. The numbers follow the rule of
// bot/ledger/coverage.ts (the aggregates are its UNIT_AGG / DELIVERY_AGG fragments): members and
// confirmations summed over deliveries (人次), groups of unknown size and staff shown apart.
// City and county scopes read the per-unit roll-up table coverage_unit (a few rows per post and
// unit, kept by its trigger), so a 30-day view of 20,000 groups reads some 12,000 rows; the one
// school scope goes down to its groups through the delivery table.
import type pg from 'pg';
import { CITY_LEVEL, DELIVERY_AGG, isBelow, scopeTerms, toTotals, UNIT_AGG, type CoverageScope, type CoverageTotals, type Window } from './coverage.ts';

export type TimelineBy = 'day' | 'post';
/** What the sub-unit series are: counties (whole city), units (one county) or groups (one unit). */
export type TimelineLevel = 'county' | 'school' | 'group';

export interface TimelinePoint {
  /** `2026-11-03` (by day) or the post code (by post). */
  key: string;
  /** The post's title (by post); the number of posts captured that day (by day). */
  label: string;
  posts: number;
  at: Date;
}

export interface TimelineSeries {
  id: number | null;
  name: string;
  /**
   * The percentage at each point (same order); null where the unit had no delivery there, or none
   * of known size. Only the percentage: a county's 67 units × 30 days stay a small answer.
   */
  values: (number | null)[];
  /** Over the whole window (the bars). */
  total: CoverageTotals;
  below: boolean;
}

export interface Timeline {
  by: TimelineBy;
  level: TimelineLevel;
  window: Window;
  points: TimelinePoint[];
  /** The scope's own line: every point summed over the whole scope. */
  total: { values: (CoverageTotals | null)[]; total: CoverageTotals };
  /** One per sub-unit, worst (over the window) first. */
  series: TimelineSeries[];
}

interface AggRow {
  bucket: string | null;
  key_id: number | null;
  name: string | null;
  label: string | null;
  posts: number;
  at: Date | null;
  [k: string]: unknown;
}

/** The level one below the scope. */
export function timelineLevel(scope: CoverageScope): TimelineLevel {
  if (scope.schoolId !== undefined) return 'group';
  if (scope.countyId !== undefined) return 'school';
  return 'county';
}

/**
 * Coverage of the posts captured in `window`, per day or per post, for the scope and for each unit
 * one level down. At most `maxPoints` points (the latest).
 */
export async function coverageTimeline(
  pool: pg.Pool,
  q: { window: Window; by: TimelineBy; scope?: CoverageScope; timeZone: string; target?: number; maxPoints?: number },
): Promise<Timeline> {
  const scope = q.scope ?? {};
  const level = timelineLevel(scope);
  const params: unknown[] = [q.window.from, q.window.to];
  if (q.by === 'day') params.push(q.timeZone);
  const bucket = q.by === 'day' ? `to_char(p.captured_at AT TIME ZONE $3, 'YYYY-MM-DD')` : 'p.code';
  const label = q.by === 'day' ? `NULL::text` : 'p.title';
  let inner: string;
  let agg: string;
  if (level === 'group') {
    // One unit: its groups, from the delivery rows (a few hundred per post at most).
    inner = `SELECT d.*, ${bucket} AS bucket, ${label} AS label, p.captured_at, p.id AS pid, g.id AS key_id, g.topic AS name
               FROM delivery d JOIN post p ON p.id = d.post_id JOIN chat_group g ON g.id = d.group_id JOIN org_unit ou ON ou.id = g.org_unit_id
              WHERE p.captured_at >= $1 AND p.captured_at < $2 AND d.status = 'sent'${scopeTerms(scope, params)}`;
    agg = DELIVERY_AGG;
  } else {
    // The roll-up rows summed per post and unit one level down first (the city: 12,000 rows → 30
    // posts × 7 counties), so the grouping sets and count(DISTINCT) below run over a few hundred
    // rows; the day or code of each post is computed once per post. Sums of sums, min of mins.
    const key = level === 'county' ? 'coalesce(ou.county_id, 0)' : 'ou.id';
    const name = level === 'county' ? `coalesce(c.name, ${CITY_LEVEL})` : 'ou.name';
    inner = `WITH ps AS MATERIALIZED (SELECT p.id AS pid, p.captured_at, ${bucket} AS bucket, ${label} AS label FROM post p WHERE p.captured_at >= $1 AND p.captured_at < $2)
             SELECT ps.bucket, ps.label, ps.captured_at, ps.pid, ${key} AS key_id, ${name} AS name,
                    sum(cu.groups) AS groups, sum(cu.members) AS members, sum(cu.confirmed) AS confirmed, sum(cu.unknown_groups) AS unknown_groups,
                    sum(cu.unknown_confirmed) AS unknown_confirmed, sum(cu.staff) AS staff,
                    min(cu.first_confirm_at) AS first_confirm_at, max(cu.last_confirm_at) AS last_confirm_at
               FROM coverage_unit cu JOIN ps ON ps.pid = cu.post_id JOIN org_unit ou ON ou.id = cu.org_unit_id
               LEFT JOIN org_unit c ON c.id = ou.county_id
              WHERE (cu.groups <> 0 OR cu.members <> 0)${scopeTerms(scope, params)}
              GROUP BY ps.bucket, ps.label, ps.captured_at, ps.pid, ${key}, ${name}`;
    agg = UNIT_AGG;
  }
  // The alias `d` / `cu` of the aggregate fragments names the inner rows.
  const alias = level === 'group' ? 'd' : 'cu';
  const { rows } = await pool.query<AggRow>(
    `WITH x AS (${inner})
     SELECT ${alias}.bucket, ${alias}.key_id, ${alias}.name, min(${alias}.label) AS label, count(DISTINCT ${alias}.pid)::int AS posts,
            min(${alias}.captured_at) AS at, ${agg}
       FROM x ${alias}
      GROUP BY GROUPING SETS ((${alias}.bucket), (${alias}.bucket, ${alias}.key_id, ${alias}.name), (${alias}.key_id, ${alias}.name), ())`,
    params,
  );
  const target = q.target ?? 100;
  const buckets = rows.filter((r) => r.bucket !== null && r.key_id === null).sort((a, b) => a.at!.getTime() - b.at!.getTime() || (a.bucket! < b.bucket! ? -1 : 1));
  const points: TimelinePoint[] = buckets.slice(-(q.maxPoints ?? 120)).map((r) => ({
    key: r.bucket!,
    label: q.by === 'day' ? `${r.posts}` : (r.label ?? r.bucket!),
    posts: r.posts,
    at: r.at!,
  }));
  const index = new Map(points.map((p, i) => [p.key, i]));
  const totalValues: (CoverageTotals | null)[] = points.map(() => null);
  for (const r of buckets) if (index.has(r.bucket!)) totalValues[index.get(r.bucket!)!] = toTotals(r as never);
  const series = new Map<number, TimelineSeries>();
  for (const r of rows) {
    if (r.key_id === null || r.bucket !== null) continue;
    const total = toTotals(r as never);
    series.set(r.key_id, { id: level === 'county' && r.key_id === 0 ? null : r.key_id, name: r.name ?? '', values: points.map(() => null), total, below: isBelow(total.pct, target) });
  }
  for (const r of rows) {
    if (r.key_id === null || r.bucket === null || !index.has(r.bucket)) continue;
    series.get(r.key_id)!.values[index.get(r.bucket)!] = toTotals(r as never).pct;
  }
  const overall = rows.find((r) => r.bucket === null && r.key_id === null && r.name === null);
  return {
    by: q.by,
    level,
    window: q.window,
    points,
    total: { values: totalValues, total: toTotals(overall as never) },
    series: [...series.values()].sort((a, b) => (a.total.pct ?? -1) - (b.total.pct ?? -1) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}
