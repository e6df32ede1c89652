// The summary document a unit hands in (反诈工作情况小结): a Word file in the usual form — title,
// unit and period, a paragraph stating the figures, what was relayed (by source), coverage one
// level down with the units below target, the semester letter and app-install attestation, cases
// and losses, and the unit's activity photos with captions. Built from a report's data (the same
// numbers as the XLSX) and the activity material (bot/reports/activities.ts), with `docx`.
import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { imageSize } from 'image-size';
import {
  AlignmentType, BorderStyle, Document, HeadingLevel, ImageRun, Packer, Paragraph, ShadingType, Table, TableCell, TableRow, TextRun, WidthType,
} from 'docx';
import { t } from '../i18n.ts';
import { listActivities, type ActivityRow } from './activities.ts';
import type { ReportData } from './build.ts';
import { localDate } from './periods.ts';
import { scopeOfUnit } from './build.ts';

const BODY_FONT = { ascii: 'Times New Roman', hAnsi: 'Times New Roman', eastAsia: '仿宋_GB2312' };
const TITLE_FONT = { ascii: 'Times New Roman', hAnsi: 'Times New Roman', eastAsia: '方正小标宋简体' };
const HEAD_FONT = { ascii: 'Times New Roman', hAnsi: 'Times New Roman', eastAsia: '黑体' };
/** Widest picture on an A4 page with the default margins, in pixels at 96 dpi. */
const MAX_IMAGE_WIDTH = 420;
const MAX_IMAGE_HEIGHT = 320;
/** Pictures embedded per document (the rest are listed by name): keeps the file e-mailable. */
export const MAX_EMBEDDED_IMAGES = 40;

const KIND_ZH: Record<string, string> = { monthly: '月度', half_year: '半年', annual: '年度' };
const BY_ZH: Record<string, string> = { county: '县区', school: '学校/单位', group: '群' };

function periodZh(d: ReportData): string {
  if (d.kind === 'monthly') {
    const [y, m] = d.period.split('-');
    return `${y}年${Number(m)}月`;
  }
  return d.kind === 'half_year' ? `${d.period.slice(0, 4)}年上半年` : `${d.period}年`;
}

function dayZh(iso: string | Date, tz: string): string {
  const { y, m, d } = localDate(new Date(iso), tz);
  return `${y}年${m}月${d}日`;
}

const pctZh = (p: number | null) => (p === null ? '—' : `${p}%`);
const yuan = (x: number) => x.toLocaleString('zh-CN', { maximumFractionDigits: 2 });

const text = (s: string, o: { bold?: boolean; size?: number; font?: typeof BODY_FONT } = {}) =>
  new TextRun({ text: s, bold: o.bold, size: o.size ?? 28, font: o.font ?? BODY_FONT });

const para = (s: string, o: { indent?: boolean; align?: (typeof AlignmentType)[keyof typeof AlignmentType] } = {}) =>
  new Paragraph({ children: [text(s)], indent: o.indent === false ? undefined : { firstLine: 560 }, spacing: { line: 460, after: 60 }, alignment: o.align });

const heading = (s: string) =>
  new Paragraph({ children: [text(s, { font: HEAD_FONT })], heading: HeadingLevel.HEADING_2, spacing: { before: 200, after: 100 } });

function table(header: string[], rows: (string | number)[][]): Table {
  const cell = (v: string | number, head = false) =>
    new TableCell({
      children: [new Paragraph({ children: [text(String(v), { size: 22, bold: head })], alignment: typeof v === 'number' ? AlignmentType.RIGHT : AlignmentType.LEFT })],
      shading: head ? { type: ShadingType.CLEAR, fill: 'E7E6E6', color: 'auto' } : undefined,
    });
  const border = { style: BorderStyle.SINGLE, size: 4, color: '808080' };
  return new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    borders: { top: border, bottom: border, left: border, right: border, insideHorizontal: border, insideVertical: border },
    rows: [new TableRow({ tableHeader: true, children: header.map((h) => cell(h, true)) }), ...rows.map((r) => new TableRow({ children: r.map((v) => cell(v)) }))],
  });
}

/** The paragraph that states the figures (the part people otherwise write by hand). */
export function summaryParagraph(d: ReportData, activities: ActivityRow[], tz: string): string {
  const sources = d.posts.bySource.map((s) => `${s.source} ${s.posts} 篇`).join('、');
  const below = d.belowTarget.units.map((u) => u.name);
  const images = activities.reduce((n, a) => n + a.media.filter((m) => m.kind === 'image').length, 0);
  const videos = activities.reduce((n, a) => n + a.media.filter((m) => m.kind === 'video').length, 0);
  const parts = [
    `${dayZh(d.window.from, tz)}至${dayZh(new Date(new Date(d.window.to).getTime() - 1), tz)}，${d.unit.name}通过反诈宣传转发助手共转发反诈宣传内容 ${d.posts.total} 篇${sources ? `（${sources}）` : ''}，送达 ${d.groupsReached} 个工作群和家长群，应阅读 ${d.coverage.members} 人次，已确认阅读 ${d.coverage.confirmed} 人次，受宣传率 ${pctZh(d.coverage.pct)}（目标 ${d.target}%）。`,
    below.length ? `未达到目标的${BY_ZH[d.by]}有 ${below.length} 个：${below.slice(0, 10).join('、')}${below.length > 10 ? '等' : ''}，已督促整改。` : d.units.length ? `各${BY_ZH[d.by]}均已达到目标。` : '',
    `《致全市中小学生及家长的一封信》确认率 ${pctZh(d.campaigns.letter.pct)}，国家反诈中心APP安装确认率 ${pctZh(d.campaigns.attestation.pct)}。`,
    `本期发生电信网络诈骗案件 ${d.figures.cases} 起，造成损失 ${yuan(d.figures.lossesYuan)} 元。`,
    activities.length ? `开展反诈宣传活动 ${activities.length} 次，留存照片 ${images} 张、视频 ${videos} 个。` : '本期没有上报活动照片或视频。',
  ];
  return parts.filter(Boolean).join('');
}

/** Width and height (pixels) that fit the page, keeping the picture's proportions. */
function fit(data: Buffer): { width: number; height: number; type: 'jpg' | 'png' | 'gif' } | undefined {
  try {
    const s = imageSize(data);
    const type = s.type === 'jpg' || s.type === 'png' || s.type === 'gif' ? s.type : undefined;
    if (!type || !s.width || !s.height) return undefined;
    const k = Math.min(1, MAX_IMAGE_WIDTH / s.width, MAX_IMAGE_HEIGHT / s.height);
    return { width: Math.round(s.width * k), height: Math.round(s.height * k), type };
  } catch {
    return undefined;
  }
}

function activitySection(activities: ActivityRow[], dataDir: string, tz: string): (Paragraph | Table)[] {
  if (!activities.length) return [para('本期没有通过工作群上报的活动照片或视频（在本单位工作群发送照片后回复“#活动 活动主题”即可上报）。')];
  const out: (Paragraph | Table)[] = [];
  let embedded = 0;
  for (const [i, a] of [...activities].reverse().entries()) {
    out.push(new Paragraph({ children: [text(`${i + 1}. ${a.caption}`, { bold: true }), text(`（${dayZh(a.at, tz)}，${a.unitName}）`)], spacing: { before: 160, after: 80 } }));
    for (const m of a.media) {
      const name = path.basename(m.file);
      if (m.kind === 'image' && embedded < MAX_EMBEDDED_IMAGES) {
        let data: Buffer | undefined;
        try {
          data = fs.readFileSync(path.join(dataDir, m.file));
        } catch {
          data = undefined;
        }
        const size = data && fit(data);
        if (data && size) {
          embedded++;
          out.push(new Paragraph({ alignment: AlignmentType.CENTER, children: [new ImageRun({ type: size.type, data, transformation: { width: size.width, height: size.height } })] }));
          out.push(new Paragraph({ alignment: AlignmentType.CENTER, children: [text(`图 ${embedded}  ${a.caption}`, { size: 21 })], spacing: { after: 120 } }));
          continue;
        }
      }
      const what = m.kind === 'video' ? '视频' : '照片';
      out.push(para(`${what}：${name}（${(m.bytes / 1024 / 1024).toFixed(1)} MB，随附件报送）`, { indent: true }));
    }
  }
  return out;
}

/** Builds the .docx of a report (the unit's activities of the report's window are looked up). */
export async function summaryDocx(pool: pg.Pool, d: ReportData, o: { dataDir: string; timeZone: string }): Promise<Buffer> {
  const { items: activities } = await listActivities(pool, { from: new Date(d.window.from), to: new Date(d.window.to), scope: scopeOfUnit(d.unit), limit: 1000 });
  const tz = o.timeZone;
  const title = `${d.unit.name}${periodZh(d)}反电信网络诈骗宣传工作${KIND_ZH[d.kind] === '月度' ? '' : KIND_ZH[d.kind]}小结`;
  const letter = d.campaigns.letter;
  const attest = d.campaigns.attestation;
  const children: (Paragraph | Table)[] = [
    new Paragraph({ children: [text(title, { size: 40, font: TITLE_FONT })], alignment: AlignmentType.CENTER, spacing: { after: 240 } }),
    new Paragraph({ children: [text(`单位：${d.unit.name}    统计期间：${dayZh(d.window.from, tz)}—${dayZh(new Date(new Date(d.window.to).getTime() - 1), tz)}    报送截止：${dayZh(d.deadline, tz)}`, { size: 24 })], alignment: AlignmentType.CENTER, spacing: { after: 240 } }),
    heading('一、总体情况'),
    para(summaryParagraph(d, activities, tz)),
    heading('二、宣传内容转发情况'),
    d.posts.bySource.length ? table(['来源', '级别', '转发篇数'], [...d.posts.bySource.map((s) => [s.source, t(`bureau.summary.scope.${s.scope}`), s.posts]), ['合计', '', d.posts.total]]) : para('本期没有转发记录。'),
    heading(`三、分${BY_ZH[d.by]}受宣传情况`),
    d.units.length
      ? table([BY_ZH[d.by], '群数', '应阅读(人次)', '已确认(人次)', '受宣传率', '是否达标'], [
          ...d.units.map((u) => [u.name, u.groups, u.members, u.confirmed, pctZh(u.pct), u.below ? '未达标' : '达标']),
          ['合计', d.coverage.groups, d.coverage.members, d.coverage.confirmed, pctZh(d.coverage.pct), ''],
        ])
      : para('本期没有送达记录。'),
    ...(d.belowTarget.units.length ? [para(`未达到 ${d.target}% 目标的${BY_ZH[d.by]}：${d.belowTarget.units.map((u) => `${u.name}（${pctZh(u.pct)}）`).join('、')}。`)] : []),
    heading('四、《一封信》和反诈APP安装情况'),
    table(['项目', '群数', '应确认(人次)', '已确认(人次)', '完成率'], [
      ['致学生和家长的一封信', letter.groups, letter.members, letter.confirmed, letter.posts ? pctZh(letter.pct) : '本期未发送'],
      ['安装国家反诈中心APP、关注视频号', attest.groups, attest.members, attest.confirmed, attest.posts ? pctZh(attest.pct) : '本期未发送'],
    ]),
    heading('五、案件和损失情况'),
    d.figures.units.length
      ? table(['单位', '案件数(起)', '损失金额(元)', '依据'], [
          ...d.figures.units.map((u) => [u.name, u.cases, yuan(u.lossesYuan), u.months === undefined ? '本期填报' : `${u.months} 个月的月度数字合计`]),
          ['合计', d.figures.cases, yuan(d.figures.lossesYuan), ''],
        ])
      : para('本期各单位未填报案件和损失数字（视为 0）。'),
    heading('六、宣传活动开展情况（含照片、视频）'),
    ...activitySection(activities, o.dataDir, tz),
    new Paragraph({ children: [text(d.unit.name)], alignment: AlignmentType.RIGHT, spacing: { before: 480 } }),
    new Paragraph({ children: [text(dayZh(d.generatedAt, tz))], alignment: AlignmentType.RIGHT }),
  ];
  const doc = new Document({
    creator: 'antifraud-relay',
    title,
    description: `${d.unit.name} ${d.period}`,
    styles: { default: { document: { run: { font: BODY_FONT, size: 28 } } } },
    sections: [{ properties: { page: { margin: { top: 1440, bottom: 1440, left: 1588, right: 1474 } } }, children }],
  });
  return Packer.toBuffer(doc);
}
