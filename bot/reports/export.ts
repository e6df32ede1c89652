// CSV and XLSX exports of reports and of a post's coverage: Chinese headers, one row per unit,
// a totals row, and no names of people (unit names and group topics only).
import type ExcelJS from 'exceljs';
import type { ReportData } from './build.ts';
import { sumTotals, type CoverageBy, type CoverageRow, type CoverageTotals } from '../ledger/coverage.ts';

const BY_ZH: Record<CoverageBy, string> = { county: '县区', school: '单位', group: '群' };
const KIND_ZH: Record<string, string> = { monthly: '月报', half_year: '半年报', annual: '年报' };

/**
 * Header and rows of a coverage table (shared by CSV and XLSX), with the ledger's coverage rule:
 * deliveries whose member count was unknown are counted apart (not in 送达人数 or the percentage),
 * and the owners and school staff present in parent groups are shown, not counted.
 */
export function coverageTable(by: CoverageBy, rows: CoverageRow[], totals: CoverageTotals): { header: string[]; body: (string | number)[][] } {
  const apart = ['人数未知的送达', '其中已确认', '不计的班主任和教职工(人次)'];
  const header = by === 'group'
    ? ['群', '班级', '所属单位', '送达人数', '已确认', '覆盖率(%)', '未达标', ...apart]
    : [BY_ZH[by], '群数', '送达人数', '已确认', '覆盖率(%)', '未达标', ...apart];
  const extra = (t: CoverageTotals) => [t.groupsUnknownSize, t.confirmedUnknownSize, t.staff];
  const body = rows.map((r) =>
    by === 'group'
      ? [r.name, r.className ?? '', r.unitName ?? '', r.groupsUnknownSize ? '未知' : r.members, r.confirmed, r.pct ?? '', r.below ? '是' : '', ...extra(r)]
      : [r.name, r.groups, r.members, r.confirmed, r.pct ?? '', r.below ? '是' : '', ...extra(r)],
  );
  body.push(by === 'group'
    ? ['合计', '', '', totals.members, totals.confirmed, totals.pct ?? '', '', ...extra(totals)]
    : ['合计', totals.groups, totals.members, totals.confirmed, totals.pct ?? '', '', ...extra(totals)]);
  return { header, body };
}

/** RFC 4180 CSV with a BOM (so Excel opens the Chinese text correctly); formula-like cells are neutralised. */
export function toCsv(header: string[], body: (string | number)[][]): string {
  const cell = (v: string | number) => {
    let s = String(v);
    if (/^[=+\-@\t\r]/.test(s) && typeof v === 'string') s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return '\uFEFF' + [header, ...body].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

function addSheet(wb: ExcelJS.Workbook, name: string, header: string[], body: (string | number)[][]) {
  const ws = wb.addWorksheet(name);
  ws.addRow(header).font = { bold: true };
  for (const r of body) ws.addRow(r);
  ws.columns.forEach((c, i) => {
    c.width = Math.min(40, Math.max(8, ...[header, ...body].map((r) => String(r[i] ?? '').length * 2 + 2)));
  });
  ws.views = [{ state: 'frozen', ySplit: 1 }];
  return ws;
}

/** exceljs, loaded on first use: it takes a second to import, and most CLI commands never need it. */
async function newWorkbook(): Promise<ExcelJS.Workbook> {
  const { default: Excel } = await import('exceljs');
  const wb = new Excel.Workbook();
  wb.creator = 'antifraud-relay';
  return wb;
}

/** XLSX of a post's coverage. */
export async function coverageXlsx(title: string, by: CoverageBy, rows: CoverageRow[], totals: CoverageTotals): Promise<Buffer> {
  const wb = await newWorkbook();
  const { header, body } = coverageTable(by, rows, totals);
  addSheet(wb, '覆盖率', header, body);
  wb.getWorksheet('覆盖率')!.headerFooter.oddHeader = title;
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** The summary lines of a report as [item, value] pairs. */
export function reportSummary(r: ReportData): (string | number)[][] {
  return [
    ['报告', `${r.unit.name} ${r.period} ${KIND_ZH[r.kind] ?? r.kind}`],
    ['统计区间', `${r.window.from} 至 ${r.window.to}`],
    ['截止日期', r.deadline],
    ['生成时间', r.generatedAt],
    ['转发文章数', r.posts.total],
    ['覆盖群数', r.groupsReached],
    ['送达人数', r.coverage.members],
    ['已确认人数', r.coverage.confirmed],
    ['覆盖率(%)', r.coverage.pct ?? ''],
    ['人数未知的送达(不计入覆盖率)', r.coverage.groupsUnknownSize ?? 0],
    ['其中已确认人数', r.coverage.confirmedUnknownSize ?? 0],
    ['家长群中不计的班主任和教职工(人次)', r.coverage.staff ?? 0],
    ['目标(%)', r.target],
    ['未达标单位数', r.belowTarget.units.length],
    ['未达标群数', r.belowTarget.groups.length],
    ['致家长一封信覆盖率(%)', r.campaigns.letter.pct ?? '未发送'],
    ['反诈APP安装确认率(%)', r.campaigns.attestation.pct ?? '未发送'],
    ['案件数', r.figures.cases],
    ['损失金额(元)', r.figures.lossesYuan],
  ];
}

/** CSV of a report: the summary, then one row per unit. */
export function reportCsv(r: ReportData): string {
  const { header, body } = coverageTable(r.by, r.units, { ...r.coverage });
  const summary = reportSummary(r);
  return toCsv(['项目', '数值'], summary).replace(/\r\n$/, '') + '\r\n\r\n' + toCsv(header, body).replace(/^\uFEFF/, '');
}

/** XLSX of a report: 汇总, 分单位, 未达标群, 来源, 案件损失 sheets. */
export async function reportXlsx(r: ReportData): Promise<Buffer> {
  const wb = await newWorkbook();
  addSheet(wb, '汇总', ['项目', '数值'], reportSummary(r));
  const { header, body } = coverageTable(r.by, r.units, r.coverage);
  addSheet(wb, '分单位', header, body);
  const g = coverageTable('group', r.belowTarget.groups, sumTotals([]));
  addSheet(wb, '未达标群', g.header, g.body.slice(0, -1));
  addSheet(wb, '来源', ['来源', '级别', '文章数'], r.posts.bySource.map((s) => [s.source, s.scope, s.posts]));
  addSheet(wb, '案件损失', ['单位', '案件数', '损失金额(元)', '依据'], [...r.figures.units.map((u) => [u.name, u.cases, u.lossesYuan, u.months === undefined ? '本期填报' : `${u.months} 个月的月度数字合计`]), ['合计', r.figures.cases, r.figures.lossesYuan, '']]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** XLSX of plain tables, one sheet each (the delivery list and other flat exports). */
export async function tablesXlsx(sheets: { name: string; header: string[]; body: (string | number)[][]; title?: string }[]): Promise<Buffer> {
  const wb = await newWorkbook();
  for (const s of sheets) {
    const ws = addSheet(wb, s.name, s.header, s.body);
    if (s.title) ws.headerFooter.oddHeader = s.title;
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
