// Report-side SQL that is not coverage arithmetic: the scope filter of the bureau's queries and
// posts per source. Coverage itself — its types, its rule for unknown member counts, its
// percentages — is bot/ledger/coverage.ts, and every report number comes from there.
import type pg from 'pg';
import { scopeTerms, type CoverageScope, type Window } from '../ledger/coverage.ts';

export type { CoverageBy, CoverageRow, CoverageTotals, Window } from '../ledger/coverage.ts';

/** Which part of the city a query may see. Empty = the whole city. */
export type UnitScope = CoverageScope;

/** Appends the scope's WHERE terms (on org_unit alias `u`) and their parameters. */
export function scopeSql(scope: UnitScope | undefined, params: unknown[]): string {
  return scopeTerms(scope, params, 'u');
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
