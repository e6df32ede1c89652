import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../bot/app.ts';
import { fixedClock } from '../../bot/clock.ts';
import { reportXlsx } from '../../bot/reports/export.ts';
import { generateReport, reportUnits } from '../../bot/reports/generate.ts';
import { parsePeriod } from '../../bot/reports/periods.ts';
import { checkJob, ScheduleSlot, startSchedules } from '../../bot/core/scheduler.ts';
import monthly from '../../schedules/report-monthly.ts';
import annual from '../../schedules/report-annual.ts';
import halfYear from '../../schedules/report-half-year.ts';
import { captureLog } from '../helpers/log.ts';
import { bureauWorld, TEACHER_NAMES } from '../helpers/bureau-world.ts';
import { contentSettings } from '../../bot/core/settings.ts';
import { jobContext } from '../helpers/job-context.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';

let db: TestDb;
let w: Awaited<ReturnType<typeof bureauWorld>>;
const clock = fixedClock('2026-11-23T00:00:00Z'); // 08:00 on 23 Nov in Qinzhou: the monthly slot
const logs = captureLog('info');
const ctx = () => jobContext({ db, clock, log: logs.log, config: { timeZone: 'Asia/Shanghai' }, settings: contentSettings(), ledgerSecret: 'x' } as unknown as AppContext);
const slot = (at: Date, catchUp = false) => new ScheduleSlot(at, at.toISOString(), catchUp);

beforeAll(async () => {
  db = await freshDb();
  w = await bureauWorld(db.prisma);
  await db.prisma.unitFigures.create({ data: { orgUnitId: w.units.a1.id, period: '2026-11', cases: 3, lossesYuan: 16000, enteredBy: 'api:1' } });
});
afterAll(async () => db.drop());

/** The ledger's own numbers, summed independently with Prisma over the window. */
async function ledgerTotals(period: string, unitFilter: object = {}) {
  const p = parsePeriod('monthly', period);
  const agg = await db.prisma.delivery.aggregate({
    where: { status: 'sent', post: { capturedAt: { gte: p.window.from, lt: p.window.to } }, group: { orgUnit: unitFilter } },
    _sum: { membersAtSend: true, confirmed: true },
  });
  return { members: agg._sum.membersAtSend ?? 0, confirmed: agg._sum.confirmed ?? 0 };
}

describe('monthly reports', () => {
  it('are produced at the slot for the city, each county bureau and each city-direct school', async () => {
    const units = await reportUnits(db.prisma);
    expect(units.map((u) => u.name)).toEqual(['钦州市教育局', '钦南区教育局', '灵山县教育局', '钦州市高级中学']);
    await monthly.run(ctx(), slot(clock.now()));
    const reports = await db.prisma.report.findMany({ where: { kind: 'monthly' }, include: { orgUnit: true }, orderBy: { orgUnitId: 'asc' } });
    expect(reports.map((r) => [r.period, r.orgUnit.name])).toEqual(units.map((u) => ['2026-11', u.name]));
    const deadline = parsePeriod('monthly', '2026-11').deadline.getTime();
    for (const r of reports) expect(deadline - r.generatedAt.getTime()).toBeGreaterThanOrEqual(40 * 3600_000); // ≥ 40 h before the 25th
    expect(logs.messages()).toContain('reports ready');
  });

  it('match the ledger', async () => {
    const city = await generateReport({ db, clock }, 'monthly', '2026-11', w.units.city.id);
    expect(city.created).toBe(false);
    const d = city.data;
    const all = await ledgerTotals('2026-11');
    expect([d.coverage.members, d.coverage.confirmed]).toEqual([all.members, all.confirmed]);
    expect(d.coverage).toMatchObject({ groups: 3, deliveries: 6, members: 240, confirmed: 210, pct: 87.5, groupsUnknownSize: 0 });
    expect(d.posts).toEqual({ total: 3, bySource: [{ source: '钦州反诈中心', scope: 'city', posts: 2 }, { source: '国家反诈中心', scope: 'national', posts: 1 }] });
    expect(d.units.map((u) => [u.name, u.members, u.confirmed, u.pct, u.below])).toEqual([
      ['灵山县教育局', 60, 45, 75, true],
      ['钦南区教育局', 180, 165, 91.7, true],
    ]);
    expect(d.campaigns.letter).toMatchObject({ posts: 1, groups: 2, members: 70, confirmed: 55, pct: 78.6 });
    expect(d.campaigns.attestation).toMatchObject({ posts: 1, groups: 1, members: 50, confirmed: 45, pct: 90 });
    expect(d.belowTarget.groups.map((g) => g.name)).toEqual(['城东三年级家长群', '一年级1班家长群', '钦南一小工作群']);
    expect(d.figures).toEqual({ cases: 3, lossesYuan: 16000, units: [{ name: '钦南区第一小学', cases: 3, lossesYuan: 16000 }] });

    const county = (await generateReport({ db, clock }, 'monthly', '2026-11', w.units.lingshan.id)).data;
    const lingshan = await ledgerTotals('2026-11', { countyId: w.units.lingshan.id });
    expect([county.coverage.members, county.coverage.confirmed]).toEqual([lingshan.members, lingshan.confirmed]);
    expect(county.units.map((u) => u.name)).toEqual(['灵山县城东小学']);
    expect(county.figures.cases).toBe(0);
  });

  it('carry no names of people, even in the XLSX', async () => {
    const city = await generateReport({ db, clock }, 'monthly', '2026-11', w.units.city.id);
    const text = JSON.stringify(city.data);
    for (const n of TEACHER_NAMES) expect(text).not.toContain(n);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await reportXlsx(city.data)) as never);
    expect(wb.worksheets.map((s) => s.name)).toEqual(['汇总', '分单位', '未达标群', '来源', '案件损失']);
    const summary = Object.fromEntries((wb.getWorksheet('汇总')!.getSheetValues() as unknown[][]).filter(Boolean).map((r) => [r[1], r[2]]));
    expect(summary['覆盖率(%)']).toBe(87.5);
    expect(summary['致家长一封信覆盖率(%)']).toBe(78.6);
    for (const s of wb.worksheets) for (const n of TEACHER_NAMES) expect(JSON.stringify(s.getSheetValues())).not.toContain(n);
  });

  it('are generated once when many processes race', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => generateReport({ db, clock }, 'monthly', '2026-10', w.units.city.id)));
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results.filter((r) => r.created).length).toBe(1);
    expect(await db.prisma.report.count({ where: { kind: 'monthly', period: '2026-10', orgUnitId: w.units.city.id } })).toBe(1);
  });
});

describe('catch-up after missed slots', () => {
  it('are schedule files the runner accepts, with stable ids', async () => {
    const files = ['report-monthly.ts', 'report-half-year.ts', 'report-annual.ts'];
    const jobs = await Promise.all(files.map(async (f) => checkJob((await import(`../../schedules/${f}`)).default, f)));
    expect(jobs.map((j) => [j.id, j.cron])).toEqual([['report-monthly', '0 8 * * *'], ['report-half-year', '0 8 * 6 *'], ['report-annual', '0 8 * 12 *']]); // daily: the job generates on the (calendar-adjusted) generation day
  });

  it('generates every monthly report whose slot passed while nothing ran, once across processes', async () => {
    clock.set('2027-02-24T00:00:00Z');
    // Two processes start at once: the run coordinator lets one of them catch up.
    const a = startSchedules(ctx(), [monthly], { by: 'proc-a' });
    const b = startSchedules(ctx(), [monthly], { by: 'proc-b' });
    await Promise.all([a.caughtUp, b.caughtUp]);
    await Promise.all([a.stop(), b.stop()]);
    const periods = await db.prisma.report.findMany({ where: { kind: 'monthly', orgUnitId: w.units.city.id }, orderBy: { period: 'asc' }, select: { period: true } });
    expect(periods.map((p) => p.period)).toEqual(['2026-10', '2026-11', '2026-12', '2027-01', '2027-02']);
    expect(await db.prisma.report.count({ where: { kind: 'monthly', period: '2027-01' } })).toBe(4);
    expect(await db.prisma.cronFire.count({ where: { job: 'report-monthly' } })).toBe(1);
    expect(logs.lines.filter((l) => l.msg === 'missed report slots generated')).toHaveLength(1);
    // A later start with nothing missed changes nothing.
    await monthly.run(ctx(), slot(clock.now(), true));
    expect(await db.prisma.report.count({ where: { kind: 'monthly' } })).toBe(4 * 4 + 1);
  });

  it('produces the half-year report at its slot, two days before 20 June', async () => {
    const src = await w.f.source('钦州反诈中心', { scope: 'city' });
    const spring = await w.f.post(src, { title: '春季开学防诈提醒', capturedAt: new Date('2027-03-01T01:00:00Z') });
    await w.f.delivery(spring, w.groups.b1p1, { members: 30, confirmed: 12, sentAt: new Date('2027-03-01T02:00:00Z') });
    const at = parsePeriod('half_year', '2027-H1').slot;
    clock.set(at);
    await halfYear.run(ctx(), slot(at));
    const r = await db.prisma.report.findFirstOrThrow({ where: { kind: 'half_year', orgUnitId: w.units.city.id } });
    expect(r.period).toBe('2027-H1');
    expect(r.generatedAt.toISOString()).toBe('2027-06-18T00:00:00.000Z');
    // Window 18 Dec 2026 – 18 Jun 2027: the spring post only, not November's.
    expect(r.data).toMatchObject({ posts: { total: 1 }, coverage: { members: 30, confirmed: 12, pct: 40 } });
  });

  it('generates the latest annual report on a first start, before 20 December', async () => {
    clock.set('2026-12-18T00:30:00Z');
    const s = startSchedules(ctx(), [annual], { by: 'proc-a' });
    await s.caughtUp;
    await s.stop();
    const r = await db.prisma.report.findFirstOrThrow({ where: { kind: 'annual', orgUnitId: w.units.city.id } });
    expect(r.period).toBe('2026');
    expect(r.generatedAt.getTime()).toBeLessThan(parsePeriod('annual', '2026').deadline.getTime());
    expect((r.data as { coverage: { members: number } }).coverage.members).toBe(240);
  });
});
