// The coverage model: the one place that says how read confirmations become numbers. Every surface
// — the CLI, #统计 and #未确认, reminders, the bureau's HTTP API, reports and the demo report —
// reads coverage through these functions, so they cannot disagree.
//
// The rule, per sent delivery (one post in one group):
// - members   = delivery.members_at_send: the families at send (bot/ledger/audience.ts: parent
//               groups without the bot, their owner and school staff; work groups without the bot);
// - confirmed = delivery.confirmed, capped at members (a nickname change makes a new member key);
// - a delivery whose member count is unknown (members_at_send NULL: the member list could not be
//   read) adds to `groups` and to `groupsUnknownSize` / `confirmedUnknownSize`, and nothing to
//   members and confirmed: the percentage is over groups of known size, and the unknown part is
//   always shown beside it, never guessed from today's member count;
// - staff = delivery.staff_at_send (owner and school staff present, not counted), shown apart.
// Failed, unknown-outcome, pending and skipped deliveries count in no coverage number.
// The per-unit roll-up table coverage_unit applies the same rule in its trigger (migration
// 20261127180000_ledger_families); tests/integration/coverage-model.test.ts checks every surface.
import type pg from 'pg';
import { UserError } from '../errors.ts';
import { t } from '../i18n.ts';

export type CoverageBy = 'county' | 'school' | 'group';

/** Limits a query to part of the city: none = the whole city. */
export interface CoverageScope {
  countyId?: number;
  schoolId?: number;
}

export interface CoverageTotals {
  /** Groups reached (sent deliveries; over several posts, distinct groups). */
  groups: number;
  /** Sent deliveries (one per post and group). */
  deliveries: number;
  /** Families at delivery, summed over deliveries of known member count. */
  members: number;
  /** Confirmed members, at most the members at delivery per delivery (known member count only). */
  confirmed: number;
  /** confirmed / members in percent, one decimal; null when no member was counted. */
  pct: number | null;
  /** Sent deliveries whose member count is unknown (not in members or pct). */
  groupsUnknownSize: number;
  /** Confirmations received in those deliveries. */
  confirmedUnknownSize: number;
  /** Group owners and school staff present at delivery (parent groups; not counted as members). */
  staff: number;
  firstAt: Date | null;
  lastAt: Date | null;
}

export interface CoverageRow extends CoverageTotals {
  /** County, unit (school / department / bureau) or group id; null for the city level. */
  id: number | null;
  /** County, unit or group name (group: its topic). */
  name: string;
  /** The county-level unit's name (by school and group; null for city-level units). */
  county: string | null;
  /** The group's unit, for by=group. */
  unitName: string | null;
  /** work | parent, for by=group. */
  kind: string | null;
  /** The class of a parent group, for by=group. */
  className: string | null;
  /** pct is below the target (a row with no counted member is not below). */
  below: boolean;
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
  /** Worst first; only the rows below `belowPct` when it was given. */
  rows: CoverageRow[];
  /** Over every delivered group in scope (not only the rows shown). */
  total: CoverageTotals;
  /** Rows under this percentage are `below` (default 100). */
  target: number;
  belowPct?: number;
}

/** The county label for units that belong to no county (the city bureau itself), as an SQL string literal. */
export const CITY_LEVEL = `'${t('ledger.city_level').replaceAll("'", "''")}'`;

/** Percentage with one decimal, or null without members. The only rounding of coverage. */
export function pct(confirmed: number, members: number): number | null {
  if (!members) return null;
  return Math.round((confirmed / members) * 1000) / 10;
}

/** "87.5%" or "—". */
export function formatPct(p: number | null): string {
  return p === null ? '—' : `${p}%`;
}

/** Whether a percentage misses the target (no members: not below, nothing to chase). */
export function isBelow(p: number | null, target: number): boolean {
  return p !== null && p < target;
}

// The rule above as SQL over delivery rows (alias d), for queries that read deliveries.
const SENT = `d.status = 'sent'`;
/** Aggregates of the coverage rule over delivery rows `d` (any grouping). */
export const DELIVERY_AGG = `
  count(DISTINCT d.group_id) FILTER (WHERE ${SENT})::int AS groups,
  count(*) FILTER (WHERE ${SENT})::int AS deliveries,
  coalesce(sum(d.members_at_send) FILTER (WHERE ${SENT}), 0)::bigint AS members,
  -- least() ignores NULLs: the unknown-size rows must be filtered out, not capped.
  coalesce(sum(least(d.confirmed, d.members_at_send)) FILTER (WHERE ${SENT} AND d.members_at_send IS NOT NULL), 0)::bigint AS confirmed,
  count(*) FILTER (WHERE ${SENT} AND d.members_at_send IS NULL)::int AS unknown_groups,
  coalesce(sum(d.confirmed) FILTER (WHERE ${SENT} AND d.members_at_send IS NULL), 0)::bigint AS unknown_confirmed,
  coalesce(sum(d.staff_at_send) FILTER (WHERE ${SENT}), 0)::bigint AS staff,
  min(d.first_confirm_at) FILTER (WHERE ${SENT}) AS first_at,
  max(d.last_confirm_at) FILTER (WHERE ${SENT}) AS last_at`;

/** The same aggregates over coverage_unit rows `cu` (one post: deliveries = groups; over several posts `groups` counts 群次). */
export const UNIT_AGG = `
  coalesce(sum(cu.groups), 0)::int AS groups,
  coalesce(sum(cu.groups), 0)::int AS deliveries,
  coalesce(sum(cu.members), 0)::bigint AS members,
  coalesce(sum(cu.confirmed), 0)::bigint AS confirmed,
  coalesce(sum(cu.unknown_groups), 0)::int AS unknown_groups,
  coalesce(sum(cu.unknown_confirmed), 0)::bigint AS unknown_confirmed,
  coalesce(sum(cu.staff), 0)::bigint AS staff,
  min(cu.first_confirm_at) AS first_at,
  max(cu.last_confirm_at) AS last_at`;

interface AggSql {
  groups: number;
  deliveries: number;
  members: string | number;
  confirmed: string | number;
  unknown_groups: number;
  unknown_confirmed: string | number;
  staff: string | number;
  first_at: Date | null;
  last_at: Date | null;
}

interface RowSql extends AggSql {
  id: number | null;
  name: string;
  county: string | null;
  unit_name: string | null;
  kind: string | null;
  class_name: string | null;
}

/** Totals from an aggregate row (the percentage computed here, once). */
export function toTotals(r: AggSql | undefined): CoverageTotals {
  const members = Number(r?.members ?? 0);
  const confirmed = Number(r?.confirmed ?? 0);
  return {
    groups: Number(r?.groups ?? 0),
    deliveries: Number(r?.deliveries ?? 0),
    members,
    confirmed,
    pct: pct(confirmed, members),
    groupsUnknownSize: Number(r?.unknown_groups ?? 0),
    confirmedUnknownSize: Number(r?.unknown_confirmed ?? 0),
    staff: Number(r?.staff ?? 0),
    firstAt: r?.first_at ?? null,
    lastAt: r?.last_at ?? null,
  };
}

function toRow(r: RowSql, target: number): CoverageRow {
  const t = toTotals(r);
  return {
    id: r.id === 0 ? null : r.id,
    name: r.name,
    county: r.county,
    unitName: r.unit_name,
    kind: r.kind,
    className: r.class_name,
    ...t,
    below: isBelow(t.pct, target),
  };
}

/** Sums totals (e.g. rows of one level into the level above). */
export function sumTotals(parts: CoverageTotals[]): CoverageTotals {
  const s = (k: 'groups' | 'deliveries' | 'members' | 'confirmed' | 'groupsUnknownSize' | 'confirmedUnknownSize' | 'staff') =>
    parts.reduce((n, p) => n + p[k], 0);
  const times = (k: 'firstAt' | 'lastAt') => parts.map((p) => p[k]).filter((d): d is Date => d !== null).map((d) => d.getTime());
  const first = times('firstAt');
  const last = times('lastAt');
  const members = s('members');
  const confirmed = s('confirmed');
  return {
    groups: s('groups'),
    deliveries: s('deliveries'),
    members,
    confirmed,
    pct: pct(confirmed, members),
    groupsUnknownSize: s('groupsUnknownSize'),
    confirmedUnknownSize: s('confirmedUnknownSize'),
    staff: s('staff'),
    firstAt: first.length ? new Date(Math.min(...first)) : null,
    lastAt: last.length ? new Date(Math.max(...last)) : null,
  };
}

/** SQL terms limiting org_unit `ou` to the scope, with $n placeholders appended to `params`. */
export function scopeTerms(scope: CoverageScope | undefined, params: unknown[], alias = 'ou'): string {
  let sql = '';
  if (scope?.countyId !== undefined) {
    params.push(scope.countyId);
    sql += ` AND ${alias}.county_id = $${params.length}`;
  }
  if (scope?.schoolId !== undefined) {
    params.push(scope.schoolId);
    sql += ` AND ${alias}.id = $${params.length}`;
  }
  return sql;
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

// Units of one post in scope with their totals, from coverage_unit (kept by the trigger).
const UNITS = (scope: string) => `
  SELECT cu.*, ou.name AS unit_name, ou.county_id
    FROM coverage_unit cu
    JOIN org_unit ou ON ou.id = cu.org_unit_id
   WHERE cu.post_id = $1 AND (cu.groups <> 0 OR cu.members <> 0)${scope}`;

const BY_UNIT: Record<Exclude<CoverageBy, 'group'>, string> = {
  school: `SELECT cu.org_unit_id AS id, cu.unit_name AS name, c.name AS county, NULL::text AS unit_name, NULL::text AS kind,
                  NULL::text AS class_name, ${UNIT_AGG}
             FROM u cu LEFT JOIN org_unit c ON c.id = cu.county_id
            GROUP BY cu.org_unit_id, cu.unit_name, c.name`,
  county: `SELECT coalesce(cu.county_id, 0) AS id, coalesce(c.name, ${CITY_LEVEL}) AS name, NULL::text AS county,
                  NULL::text AS unit_name, NULL::text AS kind, NULL::text AS class_name, ${UNIT_AGG}
             FROM u cu LEFT JOIN org_unit c ON c.id = cu.county_id
            GROUP BY coalesce(cu.county_id, 0), c.name`,
};

// One row per delivered group from the delivery counters: the worst `limit` are chosen on
// delivery alone (no joins, and sorting only the group id and its ratio: a page deep in the city's
// 20,000 groups sorts 16 bytes a row, not the whole delivery row), and only those rows are read
// again and joined to their names. Unknown sizes sort first (nothing is known of them), then by
// coverage.
const GROUPS = (scope: string, below: string, limit: string) => `
  WITH r AS (
    SELECT d.group_id, CASE WHEN d.members_at_send > 0 THEN least(d.confirmed, d.members_at_send)::float8 / d.members_at_send END AS ratio
      FROM delivery d
     WHERE d.post_id = $1 AND d.status = 'sent'
       ${scope ? `AND d.group_id IN (SELECT g.id FROM chat_group g JOIN org_unit ou ON ou.id = g.org_unit_id WHERE true${scope})` : ''}
  ),
  top AS (
    SELECT group_id, ratio FROM r WHERE true${below}
     ORDER BY ratio ASC NULLS FIRST, group_id ${limit}
  )
  SELECT t.group_id AS id, g.topic AS name, c.name AS county, ou.name AS unit_name, g.kind::text AS kind, g.class_name,
         ${DELIVERY_AGG}, min(t.ratio) AS ratio
    FROM top t
    JOIN delivery d ON d.post_id = $1 AND d.group_id = t.group_id
    JOIN chat_group g ON g.id = t.group_id
    JOIN org_unit ou ON ou.id = g.org_unit_id
    LEFT JOIN org_unit c ON c.id = ou.county_id
   GROUP BY t.group_id, g.topic, c.name, ou.name, g.kind, g.class_name
   ORDER BY min(t.ratio) ASC NULLS FIRST, g.topic`;

/** Sorts rows worst first: no counted members first, then by pct, then by name (code points). */
export function worstFirst(a: CoverageRow, b: CoverageRow): number {
  const pa = a.pct ?? -1;
  const pb = b.pct ?? -1;
  return pa - pb || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/**
 * Coverage of one post, rolled up by county, unit ("school": the group's org unit) or group, within
 * `scope`, worst first. Rows under `target` (default 100, or `belowPct`) are marked `below`; with
 * `belowPct` only those rows are returned; at most `limit` rows (by group: after skipping `offset`,
 * for pages). The total covers the whole scope.
 */
export async function coverageByPost(
  pool: pg.Pool,
  q: { postCode: string; by: CoverageBy; scope?: CoverageScope; belowPct?: number; target?: number; limit?: number; offset?: number },
): Promise<PostCoverage> {
  const post = await findPost(pool, q.postCode);
  const scope = q.scope ?? {};
  const target = q.belowPct ?? q.target ?? 100;
  const params: unknown[] = [post.id];
  const scopeSql = scopeTerms(scope, params);
  const totalsParams = [...params];
  let rowsSql: string;
  if (q.by === 'group') {
    let below = '';
    if (q.belowPct !== undefined) {
      params.push(q.belowPct / 100);
      below = ` AND coalesce(ratio, 0) < $${params.length}`;
    }
    let limit = '';
    if (q.limit !== undefined) {
      params.push(q.limit);
      limit = `LIMIT $${params.length}`;
    }
    if (q.offset) {
      params.push(q.offset);
      limit += ` OFFSET $${params.length}`;
    }
    rowsSql = GROUPS(scopeSql, below, limit);
  } else {
    rowsSql = `WITH u AS (${UNITS(scopeSql)}) ${BY_UNIT[q.by]}`;
  }
  const [rows, totals] = await Promise.all([
    pool.query<RowSql>(rowsSql, params),
    pool.query<AggSql>(`WITH u AS (${UNITS(scopeSql)}) SELECT ${UNIT_AGG} FROM u cu`, totalsParams),
  ]);
  let out = rows.rows.map((r) => toRow(r, target)).sort(worstFirst);
  if (q.by !== 'group') {
    if (q.belowPct !== undefined) out = out.filter((r) => (r.pct ?? 0) < q.belowPct!);
    if (q.limit !== undefined) out = out.slice(0, q.limit);
  }
  return { post, by: q.by, scope, rows: out, total: toTotals(totals.rows[0]), target, belowPct: q.belowPct };
}

export interface PostTotals extends CoverageTotals {
  /** Deliveries that failed, whose outcome is unknown, or that wait (pending / sending). */
  failed: number;
  unknown: number;
  pending: number;
}

/** Overall coverage of several posts at once within the scope (post lists), by post id. */
export async function postsCoverage(pool: pg.Pool, postIds: number[], scope?: CoverageScope): Promise<Map<number, PostTotals>> {
  const out = new Map<number, PostTotals>();
  if (!postIds.length) return out;
  const params: unknown[] = [postIds];
  const s = scopeTerms(scope, params);
  // The whole city (no scope terms) needs no join to the org tree.
  const units = s ? 'coverage_unit cu JOIN org_unit ou ON ou.id = cu.org_unit_id' : 'coverage_unit cu';
  const deliveries = s ? 'delivery d JOIN chat_group g ON g.id = d.group_id JOIN org_unit ou ON ou.id = g.org_unit_id' : 'delivery d';
  const [unitRows, statuses] = await Promise.all([
    pool.query<AggSql & { post_id: number }>(
      `SELECT cu.post_id, ${UNIT_AGG}
         FROM ${units}
        WHERE cu.post_id = ANY($1::int[])${s}
        GROUP BY cu.post_id`,
      params,
    ),
    pool.query<{ post_id: number; failed: number; unknown: number; pending: number }>(
      `SELECT d.post_id,
              count(*) FILTER (WHERE d.status = 'failed')::int AS failed,
              count(*) FILTER (WHERE d.status = 'unknown')::int AS unknown,
              count(*) FILTER (WHERE d.status IN ('pending', 'sending'))::int AS pending
         FROM ${deliveries}
        WHERE d.post_id = ANY($1::int[]) AND d.status IN ('failed', 'unknown', 'pending', 'sending')${s}
        GROUP BY d.post_id`,
      params,
    ),
  ]);
  const byPost = new Map(unitRows.rows.map((r) => [r.post_id, r]));
  const st = new Map(statuses.rows.map((r) => [r.post_id, r]));
  for (const id of postIds) {
    const s2 = st.get(id);
    out.set(id, { ...toTotals(byPost.get(id)), failed: s2?.failed ?? 0, unknown: s2?.unknown ?? 0, pending: s2?.pending ?? 0 });
  }
  return out;
}

export interface PostOverview extends PostTotals {
  code: string;
  title: string;
  kind: string;
  capturedAt: Date;
}

/** Posts captured since `since` (newest first) with their overall coverage within `scope`. */
export async function postsOverview(
  pool: pg.Pool,
  q: { since?: Date; scope?: CoverageScope; limit?: number } = {},
): Promise<PostOverview[]> {
  const { rows } = await pool.query<{ id: number; code: string; title: string; kind: string; captured_at: Date }>(
    `SELECT id, code, title, kind::text AS kind, captured_at FROM post
      WHERE $1::timestamptz IS NULL OR captured_at >= $1
      ORDER BY captured_at DESC, id DESC LIMIT $2`,
    [q.since ?? null, q.limit ?? 500],
  );
  const cov = await postsCoverage(pool, rows.map((r) => r.id), q.scope);
  return rows.map((r) => ({ code: r.code, title: r.title, kind: r.kind, capturedAt: r.captured_at, ...cov.get(r.id)! }));
}

/** A window of capture times, [from, to). */
export interface Window {
  from: Date;
  to: Date;
}

const WINDOW_KEY: Record<CoverageBy, { select: string; group: string }> = {
  county: {
    select: `coalesce(ou.county_id, 0) AS id, coalesce(c.name, ${CITY_LEVEL}) AS name, NULL::text AS county, NULL::text AS unit_name,
             NULL::text AS kind, NULL::text AS class_name`,
    group: 'coalesce(ou.county_id, 0), c.name',
  },
  school: {
    select: 'ou.id AS id, ou.name AS name, c.name AS county, NULL::text AS unit_name, NULL::text AS kind, NULL::text AS class_name',
    group: 'ou.id, ou.name, c.name',
  },
  group: {
    select: 'g.id AS id, g.topic AS name, c.name AS county, ou.name AS unit_name, g.kind::text AS kind, g.class_name',
    group: 'g.id, g.topic, c.name, ou.name, g.kind, g.class_name',
  },
};

/**
 * Coverage over every post captured in the window, per county, unit or group, within the scope
 * (reports). Members and confirmations are summed over deliveries (人次); `kinds` restricts to
 * post kinds (e.g. ['letter'] for the semester letter). Rows are in name order.
 */
export async function coverageInWindow(
  pool: pg.Pool,
  opts: { window: Window; by: CoverageBy; scope?: CoverageScope; target?: number; kinds?: string[] },
): Promise<{ rows: CoverageRow[]; totals: CoverageTotals & { posts: number } }> {
  const params: unknown[] = [opts.window.from, opts.window.to];
  let where = `p.captured_at >= $1 AND p.captured_at < $2 AND d.status = 'sent'` + scopeTerms(opts.scope, params);
  if (opts.kinds) {
    params.push(opts.kinds);
    where += ` AND p.kind::text = ANY($${params.length}::text[])`;
  }
  const k = WINDOW_KEY[opts.by];
  const from = `FROM delivery d
       JOIN post p ON p.id = d.post_id
       JOIN chat_group g ON g.id = d.group_id
       JOIN org_unit ou ON ou.id = g.org_unit_id
       LEFT JOIN org_unit c ON c.id = ou.county_id
      WHERE ${where}`;
  const [rows, t] = await Promise.all([
    pool.query<RowSql>(`SELECT ${k.select}, ${DELIVERY_AGG} ${from} GROUP BY ${k.group} ORDER BY name`, params),
    pool.query<AggSql & { posts: number }>(`SELECT count(DISTINCT d.post_id)::int AS posts, ${DELIVERY_AGG} ${from}`, params),
  ]);
  const target = opts.target ?? 100;
  return {
    rows: rows.rows.map((r) => toRow(r, target)),
    totals: { posts: t.rows[0]?.posts ?? 0, ...toTotals(t.rows[0]) },
  };
}

export interface GroupPostCoverage {
  postId: number;
  code: string;
  title: string;
  confirmWords: string[];
  sentAt: Date;
  /** Families at delivery; null when unknown. */
  members: number | null;
  /** Confirmed members (capped at members when known). */
  confirmed: number;
  staff: number;
  pct: number | null;
}

/** The posts sent to one group since `since`, newest first, with that group's coverage. */
export async function groupCoverage(pool: pg.Pool, groupId: number, since: Date): Promise<GroupPostCoverage[]> {
  const { rows } = await pool.query(
    `SELECT p.id, p.code, p.title, p.confirm_words, d.sent_at, d.members_at_send, d.confirmed, coalesce(d.staff_at_send, 0) AS staff
       FROM delivery d JOIN post p ON p.id = d.post_id
      WHERE d.group_id = $1 AND d.status = 'sent' AND d.sent_at >= $2
      ORDER BY d.sent_at DESC, p.id DESC`,
    [groupId, since],
  );
  return rows.map((r) => {
    const members: number | null = r.members_at_send;
    const confirmed = members === null ? r.confirmed : Math.min(r.confirmed, members);
    return {
      postId: r.id,
      code: r.code,
      title: r.title,
      confirmWords: r.confirm_words,
      sentAt: r.sent_at,
      members,
      confirmed,
      staff: r.staff,
      pct: members === null ? null : pct(confirmed, members),
    };
  });
}

/** The member keys that confirmed `postId` in `groupId` (to tell who has not, from live names). */
export async function confirmedKeys(pool: pg.Pool, postId: number, groupId: number): Promise<Set<string>> {
  const { rows } = await pool.query<{ member_key: string }>(
    'SELECT member_key FROM confirmation WHERE post_id = $1 AND group_id = $2',
    [postId, groupId],
  );
  return new Set(rows.map((r) => r.member_key));
}
