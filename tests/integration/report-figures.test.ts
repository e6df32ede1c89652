// Half-year and annual reports sum the units' monthly case and loss figures.
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../bot/clock.ts';
import { reportXlsx } from '../../bot/reports/export.ts';
import { monthsOf } from '../../bot/reports/figures.ts';
import { generateReport } from '../../bot/reports/generate.ts';
import { bureauWorld } from '../helpers/bureau-world.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';

let db: TestDb;
let w: Awaited<ReturnType<typeof bureauWorld>>;
const clock = fixedClock('2026-12-18T00:00:00Z');

beforeAll(async () => {
  db = await freshDb();
  w = await bureauWorld(db.prisma);
  const enter = (unit: { id: number }, period: string, cases: number, lossesYuan: number) =>
    db.prisma.unitFigures.create({ data: { orgUnitId: unit.id, period, cases, lossesYuan, enteredBy: 'api:test' } });
  // 钦南区第一小学: January, March and June (H1), and September (H2).
  await enter(w.units.a1, '2026-01', 1, 1200.5);
  await enter(w.units.a1, '2026-03', 2, 800.25);
  await enter(w.units.a1, '2026-06', 0, 0);
  await enter(w.units.a1, '2026-09', 4, 30000);
  // 灵山县城东小学: monthly figures, and a corrected half-year figure entered for 2026-H1 itself.
  await enter(w.units.b1, '2026-02', 5, 5000);
  await enter(w.units.b1, '2026-H1', 6, 5100);
  await enter(w.units.b1, '2026-11', 1, 99.99);
  // Outside both years: never counted.
  await enter(w.units.a1, '2025-12', 9, 9999);
  await enter(w.units.a1, '2027-01', 9, 9999);
});
afterAll(async () => db.drop());

describe('case and loss figures over longer periods', () => {
  it('knows which months make up a period', () => {
    expect(monthsOf('2026-H1')).toEqual(['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06']);
    expect(monthsOf('2026')).toHaveLength(12);
    expect(monthsOf('2026-11')).toEqual(['2026-11']);
  });

  it('sums the monthly figures into the half-year report; a figure entered for the half-year stands', async () => {
    const d = (await generateReport({ db, clock }, 'half_year', '2026-H1', w.units.city.id, { refresh: true })).data;
    expect(d.figures.units).toEqual([
      { name: '灵山县城东小学', cases: 6, lossesYuan: 5100 },
      { name: '钦南区第一小学', cases: 3, lossesYuan: 2000.75, months: 3 },
    ]);
    expect([d.figures.cases, d.figures.lossesYuan]).toEqual([9, 7100.75]);
  });

  it('sums the whole year into the annual report, and keeps a county to its own units', async () => {
    const city = (await generateReport({ db, clock }, 'annual', '2026', w.units.city.id, { refresh: true })).data;
    expect(city.figures.units).toEqual([
      { name: '灵山县城东小学', cases: 6, lossesYuan: 5099.99, months: 2 },
      { name: '钦南区第一小学', cases: 7, lossesYuan: 32000.75, months: 4 },
    ]);
    expect([city.figures.cases, city.figures.lossesYuan]).toEqual([13, 37100.74]);
    const qinnan = (await generateReport({ db, clock }, 'annual', '2026', w.units.qinnan.id, { refresh: true })).data;
    expect(qinnan.figures).toEqual({ cases: 7, lossesYuan: 32000.75, units: [{ name: '钦南区第一小学', cases: 7, lossesYuan: 32000.75, months: 4 }] });

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await reportXlsx(city)) as never);
    const rows = (wb.getWorksheet('案件损失')!.getSheetValues() as unknown[][]).filter(Boolean).map((r) => r.slice(1));
    expect(rows).toEqual([
      ['单位', '案件数', '损失金额(元)', '依据'],
      ['灵山县城东小学', 6, 5099.99, '2 个月的月度数字合计'],
      ['钦南区第一小学', 7, 32000.75, '4 个月的月度数字合计'],
      ['合计', 13, 37100.74, ''],
    ]);
  });

  it('leaves a monthly report to its own month', async () => {
    const d = (await generateReport({ db, clock }, 'monthly', '2026-09', w.units.city.id, { refresh: true })).data;
    expect(d.figures).toEqual({ cases: 4, lossesYuan: 30000, units: [{ name: '钦南区第一小学', cases: 4, lossesYuan: 30000 }] });
  });
});
