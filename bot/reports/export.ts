// CSV and XLSX exports of reports and of a post's coverage: Chinese headers (content/locales/zh-CN/
// exports.yml), one row per unit, a totals row, and no names of people (unit names and group topics only).
import type ExcelJS from 'exceljs';
import type { ReportData } from './build.ts';
import { t } from '../i18n.ts';
import { sumTotals, type CoverageBy, type CoverageRow, type CoverageTotals } from '../ledger/coverage.ts';

const col = (k: string) => t(`export.columns.${k}`);
const item = (k: string) => t(`export.summary.${k}`);

/**
 * Header and rows of a coverage table (shared by CSV and XLSX), with the ledger's coverage rule:
 * deliveries whose member count was unknown are counted apart (not in 送达人数 or the percentage),
 * and the owners and school staff present in parent groups are shown, not counted.
 */
export function coverageTable(by: CoverageBy, rows: CoverageRow[], totals: CoverageTotals): { header: string[]; body: (string | number)[][] } {
  const apart = [col('unknown'), col('unknown_confirmed'), col('staff')];
  const measures = [col('members'), col('confirmed'), col('pct'), col('below'), ...apart];
  const header = by === 'group' ? [col('group'), col('class'), col('unit'), ...measures] : [t(`export.by.${by}`), col('groups'), ...measures];
  const extra = (x: CoverageTotals) => [x.groupsUnknownSize, x.confirmedUnknownSize, x.staff];
  const yes = t('export.yes');
  const body = rows.map((r) =>
    by === 'group'
      ? [r.name, r.className ?? '', r.unitName ?? '', r.groupsUnknownSize ? t('export.unknown_size') : r.members, r.confirmed, r.pct ?? '', r.below ? yes : '', ...extra(r)]
      : [r.name, r.groups, r.members, r.confirmed, r.pct ?? '', r.below ? yes : '', ...extra(r)],
  );
  const total = t('export.total');
  body.push(by === 'group'
    ? [total, '', '', totals.members, totals.confirmed, totals.pct ?? '', '', ...extra(totals)]
    : [total, totals.groups, totals.members, totals.confirmed, totals.pct ?? '', '', ...extra(totals)]);
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
  addSheet(wb, t('export.sheets.coverage'), header, body).headerFooter.oddHeader = title;
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** The summary lines of a report as [item, value] pairs. */
export function reportSummary(r: ReportData): (string | number)[][] {
  const notSent = t('export.not_sent');
  return [
    [item('report'), `${r.unit.name} ${r.period} ${t(`report.kinds.${r.kind}`)}`],
    [item('window'), t('export.summary.window_value', { from: r.window.from, to: r.window.to })],
    [item('deadline'), r.deadline],
    [item('generated'), r.generatedAt],
    [item('posts'), r.posts.total],
    [item('groups'), r.groupsReached],
    [item('members'), r.coverage.members],
    [item('confirmed'), r.coverage.confirmed],
    [item('pct'), r.coverage.pct ?? ''],
    [item('unknown'), r.coverage.groupsUnknownSize ?? 0],
    [item('unknown_confirmed'), r.coverage.confirmedUnknownSize ?? 0],
    [item('staff'), r.coverage.staff ?? 0],
    [item('target'), r.target],
    [item('below_units'), r.belowTarget.units.length],
    [item('below_groups'), r.belowTarget.groups.length],
    [item('letter'), r.campaigns.letter.pct ?? notSent],
    [item('attestation'), r.campaigns.attestation.pct ?? notSent],
    [item('cases'), r.figures.cases],
    [item('losses'), r.figures.lossesYuan],
  ];
}

/** CSV of a report: the summary, then one row per unit. */
export function reportCsv(r: ReportData): string {
  const { header, body } = coverageTable(r.by, r.units, { ...r.coverage });
  const summary = reportSummary(r);
  return toCsv([t('export.item'), t('export.value')], summary).replace(/\r\n$/, '') + '\r\n\r\n' + toCsv(header, body).replace(/^\uFEFF/, '');
}

/** XLSX of a report: 汇总, 分单位, 未达标群, 来源, 案件损失 sheets. */
export async function reportXlsx(r: ReportData): Promise<Buffer> {
  const wb = await newWorkbook();
  addSheet(wb, t('export.sheets.summary'), [t('export.item'), t('export.value')], reportSummary(r));
  const { header, body } = coverageTable(r.by, r.units, r.coverage);
  addSheet(wb, t('export.sheets.units'), header, body);
  const g = coverageTable('group', r.belowTarget.groups, sumTotals([]));
  addSheet(wb, t('export.sheets.below_groups'), g.header, g.body.slice(0, -1));
  addSheet(wb, t('export.sheets.sources'), [t('export.sources.source'), t('export.sources.scope'), t('export.sources.posts')], r.posts.bySource.map((s) => [s.source, s.scope, s.posts]));
  const basis = (months: number | undefined) => (months === undefined ? t('export.figures.entered') : t('export.figures.summed', { months }));
  addSheet(wb, t('export.sheets.figures'), [t('export.figures.unit'), item('cases'), item('losses'), t('export.figures.basis')], [
    ...r.figures.units.map((u) => [u.name, u.cases, u.lossesYuan, basis(u.months)]),
    [t('export.total'), r.figures.cases, r.figures.lossesYuan, ''],
  ]);
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
