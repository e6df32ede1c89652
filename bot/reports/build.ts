// Builds the content of one report for one unit from the ledger: posts relayed by source, groups
// reached, coverage per unit, units and groups below target, the semester letter and app-install
// attestation completion, and the unit's own figures. No member or registrant names: group
// topics and unit names only.
import type pg from 'pg';
import type { PrismaClient } from '../db/client.ts';
import { coverageInWindow, type CoverageBy, type CoverageRow, type CoverageTotals } from '../ledger/coverage.ts';
import { figuresOf, type Figures } from './figures.ts';
import { postsBySource, type UnitScope } from './queries.ts';
import type { Period } from './periods.ts';

export const DEFAULT_TARGET = 100;

export interface ReportData {
  kind: Period['kind'];
  period: string;
  unit: { id: number; name: string; kind: string };
  window: { from: string; to: string };
  deadline: string;
  generatedAt: string;
  target: number;
  posts: { total: number; bySource: { source: string; scope: string; posts: number }[] };
  groupsReached: number;
  coverage: CoverageTotals;
  /** Rows one level down: counties for the city, schools for a county, groups for a school. */
  by: CoverageBy;
  units: CoverageRow[];
  belowTarget: { units: CoverageRow[]; groups: CoverageRow[] };
  campaigns: { letter: CoverageTotals & { posts: number }; attestation: CoverageTotals & { posts: number } };
  /** Cases and losses entered by the units; half-year and annual reports sum the monthly figures. */
  figures: Figures;
}

/** The scope of a unit's report. */
export function scopeOfUnit(unit: { id: number; kind: string }): UnitScope {
  if (unit.kind === 'city') return {};
  if (unit.kind === 'county') return { countyId: unit.id };
  return { schoolId: unit.id };
}

const BELOW_GROUPS_LIMIT = 500;

/** Computes a report (nothing is stored). */
export async function buildReport(
  db: { pool: pg.Pool; prisma: PrismaClient },
  period: Period,
  unitId: number,
  opts: { now: Date; target?: number },
): Promise<ReportData> {
  const unit = await db.prisma.orgUnit.findUniqueOrThrow({ where: { id: unitId } });
  const scope = scopeOfUnit(unit);
  const target = opts.target ?? DEFAULT_TARGET;
  const window = period.window;
  const by: CoverageBy = unit.kind === 'city' ? 'county' : unit.kind === 'county' ? 'school' : 'group';
  const [bySource, perUnit, perGroup, letter, attestation, figures] = await Promise.all([
    postsBySource(db.pool, window, scope),
    coverageInWindow(db.pool, { window, by, scope, target }),
    coverageInWindow(db.pool, { window, by: 'group', scope, target }),
    coverageInWindow(db.pool, { window, by: 'county', scope, target, kinds: ['letter'] }),
    coverageInWindow(db.pool, { window, by: 'county', scope, target, kinds: ['attestation'] }),
    figuresOf(db.pool, period.period, scope),
  ]);
  const belowGroups = perGroup.rows.filter((r) => r.below).sort((a, b) => (a.pct ?? 0) - (b.pct ?? 0)).slice(0, BELOW_GROUPS_LIMIT);
  const { posts: _p, ...coverage } = perUnit.totals;
  return {
    kind: period.kind,
    period: period.period,
    unit: { id: unit.id, name: unit.name, kind: unit.kind },
    window: { from: window.from.toISOString(), to: window.to.toISOString() },
    deadline: period.deadline.toISOString(),
    generatedAt: opts.now.toISOString(),
    target,
    posts: { total: perUnit.totals.posts, bySource },
    groupsReached: perUnit.totals.groups,
    coverage,
    by,
    units: perUnit.rows,
    belowTarget: { units: perUnit.rows.filter((r) => r.below), groups: belowGroups },
    campaigns: { letter: letter.totals, attestation: attestation.totals },
    figures,
  };
}
