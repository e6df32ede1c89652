// Coverage queries: named SQL over the delivery counters (delivery.confirmed, first/last_confirm_at
// are moved with each confirmation by bot/ledger/confirm.ts), so a roll-up reads one row per
// delivered group instead of counting confirmations. Results carry unit and group names only:
// member names never appear here. Used by the CLI, #统计, reminders and the bureau's HTTP API.
import type pg from 'pg';
import { UserError } from '../errors.ts';

export type CoverageBy = 'county' | 'school' | 'group';

/** Limits a query to part of the city: none = the whole city. */
export interface CoverageScope {
  countyId?: number;
  schoolId?: number;
}

export interface CoverageTotals {
  groups: number;
  /** Members at delivery (the bot excluded), summed. */
  members: number;
  /** Confirmed members, at most the members at delivery per group. */
  confirmed: number;
  /** confirmed / members in percent, one decimal; null when there are no members. */
  pct: number | null;
  firstAt: Date | null;
  lastAt: Date | null;
}

export interface CoverageRow extends CoverageTotals {
  /** County, unit (school / department / bureau) or group id; 0 for the city level. */
  id: number;
  /** County, unit or group name (group: its topic). */
  name: string;
  /** The county-level unit's name (null for city-level units). */
  county: string | null;
  /** The unit's name, for by=group. */
  unit: string | null;
  /** work | parent, for by=group. */
  kind: string | null;
}

export interface PostRef {
  id: number;
  code: string;
  title: string;
  kind: string;
  capturedAt: Date;
  confirmWords: string[];
}

export interface PostCoverage {
  post: PostRef;
  by: CoverageBy;
  scope: CoverageScope;
  /** Rows below `belowPct` only when it was given; worst first. */
  rows: CoverageRow[];
  /** Over every delivered group in scope (not only the rows shown). */
  total: CoverageTotals;
  belowPct?: number;
}

/** The county label for units that belong to no county (the city bureau itself). */
export const CITY_LEVEL = '市本级';

// Units in scope with their totals for the post, from coverage_unit (kept by triggers on delivery).
const UNITS = `
  SELECT cu.org_unit_id, ou.name AS unit_name, ou.county_id, cu.groups, cu.members, cu.confirmed,
         cu.first_confirm_at, cu.last_confirm_at
    FROM coverage_unit cu
    JOIN org_unit ou ON ou.id = cu.org_unit_id
   WHERE cu.post_id = $1 AND cu.groups > 0
     AND ($2::int IS NULL OR ou.county_id = $2)
     AND ($3::int IS NULL OR ou.id = $3)`;

const AGG = `sum(groups)::int AS groups, coalesce(sum(members), 0)::bigint AS members,
  coalesce(sum(confirmed), 0)::bigint AS confirmed,
  round(100.0 * sum(confirmed) / nullif(sum(members), 0), 1)::float8 AS pct,
  min(first_confirm_at) AS first_at, max(last_confirm_at) AS last_at`;

const BY_SQL: Record<Exclude<CoverageBy, 'group'>, string> = {
  school: `SELECT u.org_unit_id AS id, u.unit_name AS name, c.name AS county, NULL::text AS unit, NULL::text AS kind, ${AGG}
             FROM u LEFT JOIN org_unit c ON c.id = u.county_id
            GROUP BY u.org_unit_id, u.unit_name, c.name`,
  county: `SELECT coalesce(u.county_id, 0) AS id, coalesce(c.name, '${CITY_LEVEL}') AS name, NULL::text AS county,
                  NULL::text AS unit, NULL::text AS kind, ${AGG}
             FROM u LEFT JOIN org_unit c ON c.id = u.county_id
            GROUP BY coalesce(u.county_id, 0), c.name`,
};

// One row per delivered group, straight from the delivery counters: the worst `limit` are chosen
// on delivery alone (no joins), and only those rows are joined to their names.
const GROUPS = `
  WITH d AS (
    SELECT d.group_id, coalesce(d.members_at_send, 0) AS members,
           least(d.confirmed, coalesce(d.members_at_send, 0)) AS confirmed,
           round(100.0 * least(d.confirmed, d.members_at_send) / nullif(d.members_at_send, 0), 1)::float8 AS pct,
           d.first_confirm_at, d.last_confirm_at
      FROM delivery d
     WHERE d.post_id = $1 AND d.status = 'sent'
       AND (($2::int IS NULL AND $3::int IS NULL) OR d.group_id IN (
             SELECT g.id FROM chat_group g JOIN org_unit ou ON ou.id = g.org_unit_id
              WHERE ($2::int IS NULL OR ou.county_id = $2) AND ($3::int IS NULL OR ou.id = $3)))
  ),
  top AS (
    SELECT * FROM d WHERE $4::float8 IS NULL OR coalesce(pct, 0) < $4
     ORDER BY pct ASC NULLS FIRST, group_id LIMIT $5
  )
  SELECT top.group_id AS id, g.topic AS name, c.name AS county, ou.name AS unit, g.kind::text AS kind,
         1 AS groups, top.members::bigint AS members, top.confirmed::bigint AS confirmed, top.pct,
         top.first_confirm_at AS first_at, top.last_confirm_at AS last_at
    FROM top
    JOIN chat_group g ON g.id = top.group_id
    JOIN org_unit ou ON ou.id = g.org_unit_id
    LEFT JOIN org_unit c ON c.id = ou.county_id`;

interface AggRow {
  id: number;
  name: string;
  county: string | null;
  unit: string | null;
  kind: string | null;
  groups: number;
  members: string;
  confirmed: string;
  pct: number | null;
  first_at: Date | null;
  last_at: Date | null;
}

function toRow(r: AggRow): CoverageRow {
  return {
    id: r.id,
    name: r.name,
    county: r.county,
    unit: r.unit,
    kind: r.kind,
    groups: r.groups,
    members: Number(r.members),
    confirmed: Number(r.confirmed),
    pct: r.pct,
    firstAt: r.first_at,
    lastAt: r.last_at,
  };
}

/** The post with this short code (`F123`, any case); UserError when there is none. */
export async function findPost(pool: pg.Pool, postCode: string): Promise<PostRef> {
  const code = postCode.normalize('NFKC').trim().toUpperCase();
  const { rows } = await pool.query<PostRef>(
    `SELECT id, code, title, kind::text AS kind, captured_at AS "capturedAt", confirm_words AS "confirmWords"
       FROM post WHERE code = $1`,
    [code],
  );
  if (!rows[0]) {
    throw new UserError('ledger.unknown_post', { code }, `no post has the code ${code} — list them with \`antifraud posts\``);
  }
  return rows[0];
}

/**
 * Coverage of one post, rolled up by county, unit ("school": the group's org unit) or group, within
 * `scope`, optionally only the rows below `belowPct` (e.g. 100 for "not yet everyone"), worst
 * first, at most `limit` rows (default: all). The total covers the whole scope.
 */
export async function coverageByPost(
  pool: pg.Pool,
  q: { postCode: string; by: CoverageBy; scope?: CoverageScope; belowPct?: number; limit?: number },
): Promise<PostCoverage> {
  const post = await findPost(pool, q.postCode);
  const scope = q.scope ?? {};
  const params = [post.id, scope.countyId ?? null, scope.schoolId ?? null, q.belowPct ?? null, q.limit ?? null];
  const rowsSql = q.by === 'group' ? GROUPS : `WITH u AS (${UNITS}) ${BY_SQL[q.by]}`;
  const [rows, totals] = await Promise.all([
    pool.query<AggRow>(
      `SELECT * FROM (${rowsSql}) r WHERE $4::float8 IS NULL OR coalesce(pct, 0) < $4
        ORDER BY pct ASC NULLS FIRST, name LIMIT $5`,
      params,
    ),
    pool.query<AggRow>(
      `WITH u AS (${UNITS}) SELECT 0 AS id, '' AS name, NULL::text AS county, NULL::text AS unit, NULL::text AS kind, ${AGG} FROM u`,
      params.slice(0, 3),
    ),
  ]);
  const total = toRow(totals.rows[0]);
  return {
    post,
    by: q.by,
    scope,
    rows: rows.rows.map(toRow),
    total: { groups: total.groups ?? 0, members: total.members, confirmed: total.confirmed, pct: total.pct, firstAt: total.firstAt, lastAt: total.lastAt },
    belowPct: q.belowPct,
  };
}

export interface PostOverview extends CoverageTotals {
  code: string;
  title: string;
  kind: string;
  capturedAt: Date;
  /** Deliveries planned but not (yet) sent. */
  pendingGroups: number;
}

/** Posts captured since `since` (newest first) with their overall coverage within `scope`. */
export async function postsOverview(
  pool: pg.Pool,
  q: { since?: Date; scope?: CoverageScope; limit?: number } = {},
): Promise<PostOverview[]> {
  const scope = q.scope ?? {};
  const { rows } = await pool.query(
    `WITH p AS (
       SELECT id, code, title, kind::text AS kind, captured_at FROM post
        WHERE $1::timestamptz IS NULL OR captured_at >= $1
        ORDER BY captured_at DESC, id DESC LIMIT $4
     )
     SELECT p.code, p.title, p.kind, p.captured_at, t.groups, t.members, t.confirmed, t.first_at, t.last_at,
            (SELECT count(*)::int FROM delivery d JOIN chat_group g ON g.id = d.group_id JOIN org_unit ou ON ou.id = g.org_unit_id
              WHERE d.post_id = p.id AND d.status IN ('pending', 'sending')
                AND ($2::int IS NULL OR ou.county_id = $2) AND ($3::int IS NULL OR ou.id = $3)) AS pending_groups
       FROM p
       LEFT JOIN LATERAL (
         SELECT coalesce(sum(cu.groups), 0)::int AS groups, coalesce(sum(cu.members), 0)::bigint AS members,
                coalesce(sum(cu.confirmed), 0)::bigint AS confirmed, min(cu.first_confirm_at) AS first_at, max(cu.last_confirm_at) AS last_at
           FROM coverage_unit cu JOIN org_unit ou ON ou.id = cu.org_unit_id
          WHERE cu.post_id = p.id AND ($2::int IS NULL OR ou.county_id = $2) AND ($3::int IS NULL OR ou.id = $3)
       ) t ON true
      ORDER BY p.captured_at DESC, p.id DESC`,
    [q.since ?? null, scope.countyId ?? null, scope.schoolId ?? null, q.limit ?? 500],
  );
  return rows.map((r) => {
    const members = Number(r.members);
    const confirmed = Number(r.confirmed);
    return {
      code: r.code,
      title: r.title,
      kind: r.kind,
      capturedAt: r.captured_at,
      groups: r.groups,
      pendingGroups: r.pending_groups,
      members,
      confirmed,
      pct: members ? Math.round((1000 * confirmed) / members) / 10 : null,
      firstAt: r.first_at,
      lastAt: r.last_at,
    };
  });
}

export interface GroupPostCoverage {
  postId: number;
  code: string;
  title: string;
  confirmWords: string[];
  sentAt: Date;
  members: number;
  confirmed: number;
  pct: number | null;
}

/** The posts sent to one group since `since`, newest first, with that group's coverage. */
export async function groupCoverage(pool: pg.Pool, groupId: number, since: Date): Promise<GroupPostCoverage[]> {
  const { rows } = await pool.query(
    `SELECT p.id, p.code, p.title, p.confirm_words, d.sent_at,
            coalesce(d.members_at_send, g.member_count) AS members,
            least(d.confirmed, coalesce(d.members_at_send, g.member_count)) AS confirmed
       FROM delivery d JOIN post p ON p.id = d.post_id JOIN chat_group g ON g.id = d.group_id
      WHERE d.group_id = $1 AND d.status = 'sent' AND d.sent_at >= $2
      ORDER BY d.sent_at DESC, p.id DESC`,
    [groupId, since],
  );
  return rows.map((r) => ({
    postId: r.id,
    code: r.code,
    title: r.title,
    confirmWords: r.confirm_words,
    sentAt: r.sent_at,
    members: r.members,
    confirmed: r.confirmed,
    pct: r.members ? Math.round((1000 * r.confirmed) / r.members) / 10 : null,
  }));
}

/** The member keys that confirmed `postId` in `groupId` (to tell who has not, from live names). */
export async function confirmedKeys(pool: pg.Pool, postId: number, groupId: number): Promise<Set<string>> {
  const { rows } = await pool.query<{ member_key: string }>(
    'SELECT member_key FROM confirmation WHERE post_id = $1 AND group_id = $2',
    [postId, groupId],
  );
  return new Set(rows.map((r) => r.member_key));
}

/** "87.5%" or "—". */
export function formatPct(pct: number | null): string {
  return pct === null ? '—' : `${pct}%`;
}
