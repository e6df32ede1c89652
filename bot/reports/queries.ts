// Roll-up SQL for the bureau side. One post's coverage comes from the ledger's own
// bot/ledger/coverage.ts; what the ledger has no query for (many posts at once, a report window,
// posts per source) is here, counted exactly as the ledger counts: over sent deliveries,
// members = coalesce(members_at_send, member_count), confirmed capped at members per delivery.
import type pg from 'pg';
import { coverageByPost } from '../ledger/coverage.ts';

/** Which part of the city a query may see. Empty = the whole city. */
export interface UnitScope {
  countyId?: number;
  schoolId?: number;
}

export type CoverageBy = 'county' | 'school' | 'group';

export interface CoverageRow {
  /** County, unit or group id; null for the city level (units under no county). */
  id: number | null;
  name: string;
  /** For by=group: the class and the unit the group belongs to. */
  className?: string | null;
  unitName?: string;
  groups: number;
  members: number;
  confirmed: number;
  /** 0–100, one decimal; null when no member was counted. */
  pct: number | null;
  below: boolean;
}

export interface CoverageTotals {
  groups: number;
  members: number;
  confirmed: number;
  pct: number | null;
}

/** Percentage with one decimal. */
export function pct(confirmed: number, members: number): number | null {
  if (!members) return null;
  return Math.round((confirmed / members) * 1000) / 10;
}

/** Per-delivery members and capped confirmations, as in bot/ledger/coverage.ts. */
const MEMBERS = 'coalesce(d.members_at_send, g.member_count)';
const CONFIRMED = `least(d.confirmed, ${MEMBERS})`;

/** Appends the scope's WHERE terms (on org_unit alias `u`) and their parameters. */
export function scopeSql(scope: UnitScope | undefined, params: unknown[]): string {
  let sql = '';
  if (scope?.countyId !== undefined) {
    params.push(scope.countyId);
    sql += ` AND u.county_id = $${params.length}`;
  }
  if (scope?.schoolId !== undefined) {
    params.push(scope.schoolId);
    sql += ` AND u.id = $${params.length}`;
  }
  return sql;
}

const KEY: Record<CoverageBy, { select: string; group: string; order: string }> = {
  county: {
    select: `u.county_id AS id, COALESCE(c.name, '市本级') AS name`,
    group: 'u.county_id, c.name',
    order: 'name',
  },
  school: {
    select: 'u.id AS id, u.name AS name',
    group: 'u.id, u.name',
    order: 'name',
  },
  group: {
    select: 'g.id AS id, g.topic AS name, g.class_name, u.name AS unit_name',
    group: 'g.id, g.topic, g.class_name, u.name',
    order: 'unit_name, name',
  },
};

interface RawRow {
  id: number | null;
  name: string;
  class_name?: string | null;
  unit_name?: string;
  groups: string;
  members: string;
  confirmed: string;
}

function toRow(r: RawRow, by: CoverageBy, belowPct: number): CoverageRow {
  const members = Number(r.members);
  const confirmed = Number(r.confirmed);
  const p = pct(confirmed, members);
  const row: CoverageRow = { id: r.id, name: r.name, groups: Number(r.groups), members, confirmed, pct: p, below: p !== null && p < belowPct };
  if (by === 'group') {
    row.className = r.class_name ?? null;
    row.unitName = r.unit_name;
  }
  return row;
}

/**
 * Coverage of one post per county, unit or group within the scope, through the ledger's
 * coverageByPost (worst first); every row is returned, those under `belowPct` (default 100) marked.
 */
export async function coverageOfPost(
  pool: pg.Pool,
  opts: { postCode: string; by: CoverageBy; scope?: UnitScope; belowPct?: number },
): Promise<{ rows: CoverageRow[]; totals: CoverageTotals }> {
  const c = await coverageByPost(pool, { postCode: opts.postCode, by: opts.by, scope: opts.scope });
  const belowPct = opts.belowPct ?? 100;
  const classes = new Map<number, string | null>();
  if (opts.by === 'group' && c.rows.length) {
    const { rows } = await pool.query<{ id: number; class_name: string | null }>('SELECT id, class_name FROM chat_group WHERE id = ANY($1::int[])', [c.rows.map((r) => r.id)]);
    for (const r of rows) classes.set(r.id, r.class_name);
  }
  const rows = c.rows.map((r): CoverageRow => {
    const row: CoverageRow = { id: opts.by === 'county' && r.id === 0 ? null : r.id, name: r.name, groups: r.groups, members: r.members, confirmed: r.confirmed, pct: r.pct, below: r.pct !== null && r.pct < belowPct };
    if (opts.by === 'group') {
      row.className = classes.get(r.id) ?? null;
      row.unitName = r.unit ?? '';
    }
    return row;
  });
  return { rows, totals: { groups: c.total.groups, members: c.total.members, confirmed: c.total.confirmed, pct: c.total.pct } };
}

/** Sums rows into totals. */
export function totalsOf(rows: { groups: number; members: number; confirmed: number }[]): CoverageTotals {
  const groups = rows.reduce((s, r) => s + r.groups, 0);
  const members = rows.reduce((s, r) => s + r.members, 0);
  const confirmed = rows.reduce((s, r) => s + r.confirmed, 0);
  return { groups, members, confirmed, pct: pct(confirmed, members) };
}

/** Overall coverage of many posts at once (for post lists), inside the scope. */
export async function coverageOfPosts(pool: pg.Pool, postIds: number[], scope?: UnitScope): Promise<Map<number, CoverageTotals & { failed: number; unknown: number; pending: number }>> {
  const out = new Map<number, CoverageTotals & { failed: number; unknown: number; pending: number }>();
  if (!postIds.length) return out;
  const params: unknown[] = [postIds];
  const { rows } = await pool.query<{ post_id: number; groups: string; members: string; confirmed: string; failed: string; unknown: string; pending: string }>(
    `SELECT d.post_id,
            count(DISTINCT d.group_id) FILTER (WHERE d.status = 'sent') AS groups,
            COALESCE(sum(${MEMBERS}) FILTER (WHERE d.status = 'sent'), 0) AS members,
            COALESCE(sum(${CONFIRMED}) FILTER (WHERE d.status = 'sent'), 0) AS confirmed,
            count(*) FILTER (WHERE d.status = 'failed') AS failed,
            count(*) FILTER (WHERE d.status = 'unknown') AS unknown,
            count(*) FILTER (WHERE d.status IN ('pending', 'sending')) AS pending
       FROM delivery d
       JOIN chat_group g ON g.id = d.group_id
       JOIN org_unit u ON u.id = g.org_unit_id
      WHERE d.post_id = ANY($1::int[])${scopeSql(scope, params)}
      GROUP BY d.post_id`,
    params,
  );
  for (const r of rows) {
    const members = Number(r.members);
    const confirmed = Number(r.confirmed);
    out.set(r.post_id, { groups: Number(r.groups), members, confirmed, pct: pct(confirmed, members), failed: Number(r.failed), unknown: Number(r.unknown), pending: Number(r.pending) });
  }
  return out;
}

/** A window of capture times, [from, to). */
export interface Window {
  from: Date;
  to: Date;
}

/** Posts captured in the window that reached the scope, counted per source. */
export async function postsBySource(pool: pg.Pool, w: Window, scope?: UnitScope) {
  const params: unknown[] = [w.from, w.to];
  const { rows } = await pool.query<{ source: string; scope: string; posts: string }>(
    `SELECT s.name AS source, s.scope::text AS scope, count(DISTINCT p.id) AS posts
       FROM post p
       JOIN source s ON s.id = p.source_id
       JOIN delivery d ON d.post_id = p.id AND d.status = 'sent'
       JOIN chat_group g ON g.id = d.group_id
       JOIN org_unit u ON u.id = g.org_unit_id
      WHERE p.captured_at >= $1 AND p.captured_at < $2${scopeSql(scope, params)}
      GROUP BY s.name, s.scope
      ORDER BY posts DESC, source`,
    params,
  );
  return rows.map((r) => ({ source: r.source, scope: r.scope, posts: Number(r.posts) }));
}

/**
 * Coverage over every post captured in the window, per county, unit or group, within the scope.
 * `kinds` restricts to post kinds (e.g. ['letter'] for the semester letter).
 */
export async function coverageInWindow(
  pool: pg.Pool,
  opts: { window: Window; by: CoverageBy; scope?: UnitScope; belowPct?: number; kinds?: string[] },
): Promise<{ rows: CoverageRow[]; totals: CoverageTotals & { posts: number } }> {
  const params: unknown[] = [opts.window.from, opts.window.to];
  let where = `p.captured_at >= $1 AND p.captured_at < $2 AND d.status = 'sent'` + scopeSql(opts.scope, params);
  if (opts.kinds) {
    params.push(opts.kinds);
    where += ` AND p.kind::text = ANY($${params.length}::text[])`;
  }
  const k = KEY[opts.by];
  const from = `FROM delivery d
       JOIN post p ON p.id = d.post_id
       JOIN chat_group g ON g.id = d.group_id
       JOIN org_unit u ON u.id = g.org_unit_id
       LEFT JOIN org_unit c ON c.id = u.county_id
      WHERE ${where}`;
  const { rows } = await pool.query<RawRow>(
    `SELECT ${k.select}, count(DISTINCT d.group_id) AS groups,
            COALESCE(sum(${MEMBERS}), 0) AS members, COALESCE(sum(${CONFIRMED}), 0) AS confirmed
       ${from}
      GROUP BY ${k.group}
      ORDER BY ${k.order}`,
    params,
  );
  const t = await pool.query<{ posts: string; groups: string; members: string; confirmed: string }>(
    `SELECT count(DISTINCT d.post_id) AS posts, count(DISTINCT d.group_id) AS groups,
            COALESCE(sum(${MEMBERS}), 0) AS members, COALESCE(sum(${CONFIRMED}), 0) AS confirmed ${from}`,
    params,
  );
  const belowPct = opts.belowPct ?? 100;
  const tr = t.rows[0];
  const members = Number(tr.members);
  const confirmed = Number(tr.confirmed);
  return {
    rows: rows.map((r) => toRow(r, opts.by, belowPct)),
    totals: { posts: Number(tr.posts), groups: Number(tr.groups), members, confirmed, pct: pct(confirmed, members) },
  };
}
