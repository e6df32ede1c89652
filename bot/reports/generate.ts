// Stores reports: one row per (kind, period, unit). Concurrent generation inserts with
// ON CONFLICT DO NOTHING, so every caller gets the one stored result.
import type pg from 'pg';
import type { CalendarOverrides } from '../core/calendar.ts';
import type { PrismaClient } from '../db/client.ts';
import type { Logger } from '../log.ts';
import { buildReport, type ReportData } from './build.ts';
import { missedSlots, parsePeriod, type ReportKind } from './periods.ts';

export interface ReportDeps {
  db: { pool: pg.Pool; prisma: PrismaClient };
  clock: { now(): Date };
  log?: Logger;
  timeZone?: string;
  /** Local calendar overrides (content/relay.yml `calendar`): they move generation days. */
  calendar?: CalendarOverrides;
}

export interface StoredReport {
  id: number;
  kind: ReportKind;
  period: string;
  orgUnitId: number;
  generatedAt: Date;
  data: ReportData;
  /** True when this call stored it, false when it was already there. */
  created: boolean;
}

/** Whether a county-level unit is the grouping of city-direct schools (市直学校). */
export function isCityDirect(unit: { kind: string; name: string }): boolean {
  return unit.kind === 'county' && unit.name.startsWith('市直');
}

/** The units that get reports: the city, each county bureau, each city-direct school. */
export async function reportUnits(prisma: PrismaClient) {
  const units = await prisma.orgUnit.findMany({ where: { kind: { in: ['city', 'county', 'school'] } }, orderBy: { id: 'asc' } });
  const cityDirect = new Set(units.filter(isCityDirect).map((u) => u.id));
  return units.filter((u) => u.kind === 'city' || (u.kind === 'county' && !cityDirect.has(u.id)) || (u.kind === 'school' && u.countyId !== null && cityDirect.has(u.countyId)));
}

/** Generates (or returns the stored) report of a unit; `refresh` rebuilds and replaces it. */
export async function generateReport(deps: ReportDeps, kind: ReportKind, periodText: string, unitId: number, opts: { refresh?: boolean } = {}): Promise<StoredReport> {
  const period = parsePeriod(kind, periodText, deps.timeZone);
  const read = async () => {
    const { rows } = await deps.db.pool.query<{ id: number; generated_at: Date; data: ReportData }>(
      'SELECT id, generated_at, data FROM report WHERE kind = $1 AND period = $2 AND org_unit_id = $3',
      [kind, period.period, unitId],
    );
    return rows[0];
  };
  if (!opts.refresh) {
    const existing = await read();
    if (existing) return { id: existing.id, kind, period: period.period, orgUnitId: unitId, generatedAt: existing.generated_at, data: existing.data, created: false };
  }
  const now = deps.clock.now();
  const data = await buildReport(deps.db, period, unitId, { now });
  const conflict = opts.refresh ? 'DO UPDATE SET data = EXCLUDED.data, generated_at = EXCLUDED.generated_at' : 'DO NOTHING';
  const { rows } = await deps.db.pool.query<{ id: number }>(
    `INSERT INTO report (kind, period, org_unit_id, generated_at, data) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (kind, period, org_unit_id) ${conflict} RETURNING id`,
    [kind, period.period, unitId, now, JSON.stringify(data)],
  );
  if (rows[0]) {
    deps.log?.info({ kind, period: period.period, unit: unitId, report: rows[0].id }, 'report generated');
    return { id: rows[0].id, kind, period: period.period, orgUnitId: unitId, generatedAt: now, data, created: true };
  }
  const winner = (await read())!;
  return { id: winner.id, kind, period: period.period, orgUnitId: unitId, generatedAt: winner.generated_at, data: winner.data, created: false };
}

/** Generates a period's reports for every report unit (one failure does not stop the rest). */
export async function generatePeriod(deps: ReportDeps, kind: ReportKind, periodText: string): Promise<StoredReport[]> {
  const out: StoredReport[] = [];
  for (const u of await reportUnits(deps.db.prisma)) {
    try {
      out.push(await generateReport(deps, kind, periodText, u.id));
    } catch (err) {
      deps.log?.error({ err, kind, period: periodText, unit: u.id }, 'report generation failed for one unit; continuing');
    }
  }
  return out;
}

/** The newest period of a kind with a stored city report (the roll-up marks a period as done). */
export async function lastGenerated(deps: ReportDeps, kind: ReportKind): Promise<string | null> {
  const { rows } = await deps.db.pool.query<{ period: string }>(
    `SELECT r.period FROM report r JOIN org_unit u ON u.id = r.org_unit_id
      WHERE r.kind = $1 AND u.kind = 'city' ORDER BY r.period DESC LIMIT 1`,
    [kind],
  );
  return rows[0]?.period ?? null;
}

/** Generates every period whose slot passed while nothing ran (at start). Returns the periods. */
export async function catchUpReports(deps: ReportDeps, kind: ReportKind): Promise<string[]> {
  const last = await lastGenerated(deps, kind);
  const periods = missedSlots(kind, last, deps.clock.now(), deps.timeZone, 12, deps.calendar);
  // The latest period again too: a crash halfway leaves some units without their report.
  const todo = periods.length ? periods : last ? [last] : [];
  for (const p of todo) await generatePeriod(deps, kind, p);
  return periods;
}
