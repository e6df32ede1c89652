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
import { list, t } from '../i18n.ts';
import { listActivities, type ActivityRow } from './activities.ts';
import type { ReportData } from './build.ts';
import { localDate } from './periods.ts';
import { scopeOfUnit } from './build.ts';

// The Chinese fonts of an official document are named in bureau.yml (bureau.summary.fonts).
const font = (kind: 'body' | 'title' | 'heading') => ({ ascii: 'Times New Roman', hAnsi: 'Times New Roman', eastAsia: t(`bureau.summary.fonts.${kind}`) });
/** Widest picture on an A4 page with the default margins, in pixels at 96 dpi. */
const MAX_IMAGE_WIDTH = 420;
const MAX_IMAGE_HEIGHT = 320;
/** Pictures embedded per document (the rest are listed by name): keeps the file e-mailable. */
export const MAX_EMBEDDED_IMAGES = 40;

// Every word of the document is under bureau.summary.* (content/locales/zh-CN/bureau.yml).
const word = (key: string, params?: Record<string, string | number>) => t(`bureau.summary.${key}`, params);
const byWord = (d: ReportData) => word(`by.${d.by}`);
const joined = (items: string[]) => items.join(t('common.separator'));

/** The period as the title says it ("2026年11月", "2026年上半年", "2026年"). */
function periodText(d: Pick<ReportData, 'kind' | 'period'>): string {
  return word(`period.${d.kind}`, { year: d.period.slice(0, 4), month: d.kind === 'monthly' ? Number(d.period.slice(5)) : '' });
}

function dayZh(iso: string | Date, tz: string): string {
  const { y, m, d } = localDate(new Date(iso), tz);
  return word('day', { year: y, month: m, day: d });
}

const pctZh = (p: number | null) => (p === null ? word('no_pct') : word('pct', { pct: p }));
const yuan = (x: number) => x.toLocaleString('zh-CN', { maximumFractionDigits: 2 });

const text = (s: string, o: { bold?: boolean; size?: number; font?: ReturnType<typeof font> } = {}) =>
  new TextRun({ text: s, bold: o.bold, size: o.size ?? 28, font: o.font ?? font('body') });

const para = (s: string, o: { indent?: boolean; align?: (typeof AlignmentType)[keyof typeof AlignmentType] } = {}) =>
  new Paragraph({ children: [text(s)], indent: o.indent === false ? undefined : { firstLine: 560 }, spacing: { line: 460, after: 60 }, alignment: o.align });

const heading = (s: string) =>
  new Paragraph({ children: [text(s, { font: font('heading') })], heading: HeadingLevel.HEADING_2, spacing: { before: 200, after: 100 } });

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

/**
 * The paragraph that states the figures (the part people otherwise write by hand). Without
 * `activities` (the e-mail) it leaves out the sentence about activity material.
 */
export function summaryParagraph(d: ReportData, activities: ActivityRow[] | undefined, tz: string): string {
  const p = (key: string, params?: Record<string, string | number>) => word(`paragraph.${key}`, params);
  const sources = joined(d.posts.bySource.map((x) => p('source', { source: x.source, posts: x.posts })));
  const below = d.belowTarget.units.map((u) => u.name);
  const count = (kind: string) => (activities ?? []).reduce((n, a) => n + a.media.filter((m) => m.kind === kind).length, 0);
  const parts = [
    p('reach', {
      from: dayZh(d.window.from, tz), to: dayZh(new Date(new Date(d.window.to).getTime() - 1), tz), unit: d.unit.name, posts: d.posts.total,
      sources: sources ? p('sources', { list: sources }) : '', groups: d.groupsReached, members: d.coverage.members, confirmed: d.coverage.confirmed,
      pct: pctZh(d.coverage.pct), target: d.target,
    }),
    below.length
      ? p('below', { by: byWord(d), n: below.length, names: joined(below.slice(0, 10)), more: below.length > 10 ? p('below_more') : '' })
      : d.units.length ? p('all_met', { by: byWord(d) }) : '',
    p('campaigns', { letter: pctZh(d.campaigns.letter.pct), attestation: pctZh(d.campaigns.attestation.pct) }),
    p('figures', { cases: d.figures.cases, losses: yuan(d.figures.lossesYuan) }),
    !activities ? '' : activities.length ? p('activities', { n: activities.length, images: count('image'), videos: count('video') }) : p('no_activities'),
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
  if (!activities.length) return [para(word('no_activity_material'))];
  const out: (Paragraph | Table)[] = [];
  let embedded = 0;
  for (const [i, a] of [...activities].reverse().entries()) {
    out.push(new Paragraph({ children: [text(word('activity', { n: i + 1, caption: a.caption }), { bold: true }), text(word('activity_when', { day: dayZh(a.at, tz), unit: a.unitName }))], spacing: { before: 160, after: 80 } }));
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
          out.push(new Paragraph({ alignment: AlignmentType.CENTER, children: [text(word('figure_caption', { n: embedded, caption: a.caption }), { size: 21 })], spacing: { after: 120 } }));
          continue;
        }
      }
      const what = word(`media_kind.${m.kind === 'video' ? 'video' : 'image'}`);
      out.push(para(word('media_attached', { what, name, mb: (m.bytes / 1024 / 1024).toFixed(1) }), { indent: true }));
    }
  }
  return out;
}

/** Builds the .docx of a report (the unit's activities of the report's window are looked up). */
export async function summaryDocx(pool: pg.Pool, d: ReportData, o: { dataDir: string; timeZone: string }): Promise<Buffer> {
  const { items: activities } = await listActivities(pool, { from: new Date(d.window.from), to: new Date(d.window.to), scope: scopeOfUnit(d.unit), limit: 1000 });
  const tz = o.timeZone;
  const title = word('title', { unit: d.unit.name, period: periodText(d), kind: word(`kind.${d.kind}`) });
  const letter = d.campaigns.letter;
  const attest = d.campaigns.attestation;
  const children: (Paragraph | Table)[] = [
    new Paragraph({ children: [text(title, { size: 40, font: font('title') })], alignment: AlignmentType.CENTER, spacing: { after: 240 } }),
    new Paragraph({ children: [text(word('subtitle', { unit: d.unit.name, from: dayZh(d.window.from, tz), to: dayZh(new Date(new Date(d.window.to).getTime() - 1), tz), deadline: dayZh(d.deadline, tz) }), { size: 24 })], alignment: AlignmentType.CENTER, spacing: { after: 240 } }),
    heading(word('headings.overall')),
    para(summaryParagraph(d, activities, tz)),
    heading(word('headings.posts')),
    d.posts.bySource.length
      ? table(list('bureau.summary.posts_header'), [...d.posts.bySource.map((x) => [x.source, word(`scope.${x.scope}`), x.posts]), [word('total'), '', d.posts.total]])
      : para(word('no_posts')),
    heading(word('headings.units', { by: byWord(d) })),
    d.units.length
      ? table([byWord(d), ...list('bureau.summary.units_header')], [
          ...d.units.map((u) => [u.name, u.groups, u.members, u.confirmed, pctZh(u.pct), word(u.below ? 'unit_below' : 'unit_met')]),
          [word('total'), d.coverage.groups, d.coverage.members, d.coverage.confirmed, pctZh(d.coverage.pct), ''],
        ])
      : para(word('no_units')),
    ...(d.belowTarget.units.length
      ? [para(word('below_list', { target: d.target, by: byWord(d), units: joined(d.belowTarget.units.map((u) => word('below_unit', { name: u.name, pct: pctZh(u.pct) }))) }))]
      : []),
    heading(word('headings.campaigns')),
    table(list('bureau.summary.campaigns_header'), [
      [word('letter'), letter.groups, letter.members, letter.confirmed, letter.posts ? pctZh(letter.pct) : word('campaign_not_sent')],
      [word('attestation'), attest.groups, attest.members, attest.confirmed, attest.posts ? pctZh(attest.pct) : word('campaign_not_sent')],
    ]),
    heading(word('headings.figures')),
    d.figures.units.length
      ? table(list('bureau.summary.figures_header'), [
          ...d.figures.units.map((u) => [u.name, u.cases, yuan(u.lossesYuan), u.months === undefined ? word('figures_entered') : word('figures_summed', { months: u.months })]),
          [word('total'), d.figures.cases, yuan(d.figures.lossesYuan), ''],
        ])
      : para(word('no_figures')),
    heading(word('headings.activities')),
    ...activitySection(activities, o.dataDir, tz),
    new Paragraph({ children: [text(d.unit.name)], alignment: AlignmentType.RIGHT, spacing: { before: 480 } }),
    new Paragraph({ children: [text(dayZh(d.generatedAt, tz))], alignment: AlignmentType.RIGHT }),
  ];
  const doc = new Document({
    creator: 'antifraud-relay',
    title,
    description: `${d.unit.name} ${d.period}`,
    styles: { default: { document: { run: { font: font('body'), size: 28 } } } },
    sections: [{ properties: { page: { margin: { top: 1440, bottom: 1440, left: 1588, right: 1474 } } }, children }],
  });
  return Packer.toBuffer(doc);
}
