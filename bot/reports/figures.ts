// The cases and losses of a report: what units entered (PUT /api/figures). A half-year or annual
// report sums the unit's monthly figures of that half-year or year ("2026-H1" = 2026-01 … 2026-06,
// the monthly periods whose windows make up the half-year; "2026" = 2026-01 … 2026-12), unless the
// unit entered a figure for the half-year or year itself, which then stands as entered.
import type pg from 'pg';
import { scopeSql, type UnitScope } from './queries.ts';

export interface UnitFigures {
  name: string;
  cases: number;
  lossesYuan: number;
  /** Half-year / annual: how many monthly figures were summed (absent when entered for the period itself). */
  months?: number;
}

export interface Figures {
  cases: number;
  lossesYuan: number;
  units: UnitFigures[];
}

/** The monthly periods a period sums: itself for a month, its months for "2026-H1" and "2026". */
export function monthsOf(period: string): string[] {
  const m = /^(\d{4})(?:-(H1|\d{2}))?$/.exec(period);
  if (!m) throw new Error(`not a report period: ${period}`);
  if (m[2] && m[2] !== 'H1') return [period];
  const n = m[2] === 'H1' ? 6 : 12;
  return Array.from({ length: n }, (_, i) => `${m[1]}-${String(i + 1).padStart(2, '0')}`);
}

const cents = (x: number) => Math.round(x * 100) / 100;

/** Figures of a period for the units in scope, one row per unit that entered anything. */
export async function figuresOf(pool: pg.Pool, period: string, scope: UnitScope): Promise<Figures> {
  const months = monthsOf(period);
  const params: unknown[] = [[period, ...months.filter((x) => x !== period)]];
  const { rows } = await pool.query<{ id: number; name: string; period: string; cases: number; losses: string }>(
    `SELECT u.id, u.name, f.period, f.cases, f.losses_yuan AS losses
       FROM unit_figures f JOIN org_unit u ON u.id = f.org_unit_id
      WHERE f.period = ANY($1::text[])${scopeSql(scope, params)}
      ORDER BY u.name, f.period`,
    params,
  );
  const byUnit = new Map<number, { name: string; own?: { cases: number; losses: number }; cases: number; losses: number; months: number }>();
  for (const r of rows) {
    const u = byUnit.get(r.id) ?? { name: r.name, cases: 0, losses: 0, months: 0 };
    byUnit.set(r.id, u);
    if (r.period === period) u.own = { cases: r.cases, losses: Number(r.losses) };
    else {
      u.cases += r.cases;
      u.losses += Number(r.losses);
      u.months++;
    }
  }
  const units: UnitFigures[] = [...byUnit.values()].map((u) =>
    u.own ? { name: u.name, cases: u.own.cases, lossesYuan: cents(u.own.losses) } : { name: u.name, cases: u.cases, lossesYuan: cents(u.losses), months: u.months },
  );
  return {
    cases: units.reduce((s, u) => s + u.cases, 0),
    lossesYuan: cents(units.reduce((s, u) => s + u.lossesYuan, 0)),
    units,
  };
}
