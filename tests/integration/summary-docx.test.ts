// The summary document (.docx): built from a report and the unit's activity photos, then opened
// and read back — its text, its tables and the embedded pictures — from the API and the CLI.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unzipSync, strFromU8 } from 'fflate';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../bot/clock.ts';
import { buildServer } from '../../bot/http/server.ts';
import { createLogger } from '../../bot/log.ts';
import { addMedia, createActivity } from '../../bot/reports/activities.ts';
import { generateReport } from '../../bot/reports/generate.ts';
import { summaryDocx } from '../../bot/reports/summary-docx.ts';
import { bureauWorld, TEACHER_NAMES } from '../helpers/bureau-world.ts';
import { runCli } from '../helpers/cli.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';
import { mp4, png } from '../helpers/media.ts';

let db: TestDb;
let w: Awaited<ReturnType<typeof bureauWorld>>;
let app: FastifyInstance;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'summary-docx-'));
const clock = fixedClock('2026-11-23T00:00:00Z');
const TZ = 'Asia/Shanghai';

/** The document's text (paragraphs joined by newlines), its tables as rows of cell texts, and its media. */
export function readDocx(buf: Buffer): { text: string; tables: string[][][]; media: Record<string, Buffer> } {
  const files = unzipSync(new Uint8Array(buf));
  const xml = strFromU8(files['word/document.xml']);
  const textOf = (s: string) => [...s.matchAll(/<w:t(?: [^>]*)?>([^<]*)<\/w:t>/g)].map((m) => m[1]).join('');
  const body = xml.replace(/<w:tbl>[\s\S]*?<\/w:tbl>/g, '');
  const text = [...body.matchAll(/<w:p[ >][\s\S]*?<\/w:p>/g)].map((p) => textOf(p[0])).filter(Boolean).join('\n');
  const tables = [...xml.matchAll(/<w:tbl>[\s\S]*?<\/w:tbl>/g)].map((t) =>
    [...t[0].matchAll(/<w:tr[ >][\s\S]*?<\/w:tr>/g)].map((r) => [...r[0].matchAll(/<w:tc>[\s\S]*?<\/w:tc>/g)].map((c) => textOf(c[0]))),
  );
  const media = Object.fromEntries(Object.entries(files).filter(([k]) => k.startsWith('word/media/')).map(([k, v]) => [k, Buffer.from(v)]));
  return { text, tables, media };
}

beforeAll(async () => {
  db = await freshDb();
  w = await bureauWorld(db.prisma);
  await db.prisma.unitFigures.create({ data: { orgUnitId: w.units.a1.id, period: '2026-11', cases: 2, lossesYuan: 8600, enteredBy: 'api:1' } });
  const at = new Date('2026-11-12T03:00:00Z');
  const a = await createActivity(db.pool, { orgUnitId: w.units.a1.id, groupId: w.groups.a1work.id, caption: '反诈主题班会', senderKey: 'k', at });
  await addMedia(db.pool, dir, { activityId: a, orgUnitId: w.units.a1.id, media: { kind: 'image', name: 'a.png', data: png(1), at }, timeZone: TZ });
  await addMedia(db.pool, dir, { activityId: a, orgUnitId: w.units.a1.id, media: { kind: 'image', name: 'b.png', data: png(2), at }, timeZone: TZ });
  await addMedia(db.pool, dir, { activityId: a, orgUnitId: w.units.a1.id, media: { kind: 'video', name: 'c.mp4', data: mp4(3), at }, timeZone: TZ });
  // Another county's activity never appears in 钦南区's summary.
  const b = await createActivity(db.pool, { orgUnitId: w.units.b1.id, groupId: w.groups.b1p1.id, caption: '灵山县的活动', senderKey: 'k', at });
  await addMedia(db.pool, dir, { activityId: b, orgUnitId: w.units.b1.id, media: { kind: 'image', name: 'd.png', data: png(4), at }, timeZone: TZ });
  app = buildServer({ db, clock, log: createLogger({ level: 'silent' }), config: { timeZone: TZ, dataDir: dir } });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await db.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the summary document', () => {
  it('reads back with the title, the figures paragraph, the tables and the embedded photos', async () => {
    const r = await generateReport({ db, clock }, 'monthly', '2026-11', w.units.qinnan.id);
    const doc = readDocx(await summaryDocx(db.pool, r.data, { dataDir: dir, timeZone: TZ }));
    const lines = doc.text.split('\n');
    expect(lines[0]).toBe('钦南区教育局2026年11月反电信网络诈骗宣传工作小结');
    expect(lines[1]).toContain('统计期间：2026年10月23日—2026年11月22日');
    expect(doc.text).toContain(`送达 ${r.data.groupsReached} 个工作群和家长群，应阅读 ${r.data.coverage.members} 人次，已确认阅读 ${r.data.coverage.confirmed} 人次，受宣传率 ${r.data.coverage.pct}%`);
    expect(doc.text).toContain('本期发生电信网络诈骗案件 2 起，造成损失 8,600 元。');
    expect(doc.text).toContain('开展反诈宣传活动 1 次，留存照片 2 张、视频 1 个。');
    expect(doc.text).toContain('1. 反诈主题班会（2026年11月12日，钦南区第一小学）');
    expect(doc.text).toMatch(/视频：\d+-[0-9a-f]{12}\.mp4/);
    expect(doc.text).not.toContain('灵山县的活动');
    const [sources, units, campaigns, figures] = doc.tables;
    expect(sources[0]).toEqual(['来源', '级别', '转发篇数']);
    expect(units[0]).toEqual(['学校/单位', '群数', '应阅读(人次)', '已确认(人次)', '受宣传率', '是否达标']);
    expect(units.slice(1).map((row) => row[0])).toEqual([...r.data.units.map((u) => u.name), '合计']);
    expect(units.find((row) => row[0] === '钦南区第一小学')?.at(-1)).toBe('未达标');
    expect(campaigns[1][0]).toBe('致学生和家长的一封信');
    expect(figures[1]).toEqual(['钦南区第一小学', '2', '8,600', '本期填报']);
    expect(Object.values(doc.media).map((b) => b.length).sort()).toEqual([png(1).length, png(2).length].sort());
    expect(Object.values(doc.media).some((b) => b.equals(png(1)))).toBe(true);
    for (const n of TEACHER_NAMES) expect(doc.text).not.toContain(n);
  });

  it('is downloadable from the API, scoped like the report', async () => {
    const r = await generateReport({ db, clock }, 'monthly', '2026-11', w.units.qinnan.id);
    const get = (token: string) => app.inject({ method: 'GET', url: `/api/reports/${r.id}/docx`, headers: { authorization: `Bearer ${token}` } });
    const ok = await get(w.tokens.qinnan);
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(ok.headers['content-disposition']).toContain('.docx');
    expect(readDocx(ok.rawPayload).text).toContain('反诈主题班会');
    expect((await get(w.tokens.lingshan)).statusCode).toBe(403);
  });

  it('is written by `antifraud report … --docx FILE`, and a bad path gets a sentence', async () => {
    const file = path.join(dir, '小结.docx');
    const r = await runCli(db, ['report', 'monthly', '--period', '2026-11', '--unit', '钦南区教育局', '--docx', file], { DATA_DIR: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`已写入 ${file}`); // the CLI speaks Chinese (content/locales/zh-CN/cli.yml)
    const doc = readDocx(fs.readFileSync(file));
    expect(doc.text).toContain('钦南区教育局2026年11月');
    expect(Object.keys(doc.media)).toHaveLength(2);
    const bad = await runCli(db, ['report', 'monthly', '--period', '2026-11', '--docx', path.join(dir, 'no/such/dir/x.docx')], { DATA_DIR: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('无法写入');
  }, 120_000);
});

describe('activity material through the API', () => {
  const get = (url: string, token?: string) => app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('lists a school its month and downloads each file with the token, byte for byte', async () => {
    const list = await get('/api/activities?month=2026-11', w.tokens.a1);
    expect(list.statusCode).toBe(200);
    const items = list.json().items as { caption: string; media: { id: number; kind: string; mimeType: string; url: string }[] }[];
    expect(items.map((a) => a.caption)).toEqual(['反诈主题班会']);
    const media = items[0].media;
    expect(media.map((m) => [m.kind, m.mimeType])).toEqual([['image', 'image/png'], ['image', 'image/png'], ['video', 'video/mp4']]);
    const expected = [png(1), png(2), mp4(3)];
    for (const [i, m] of media.entries()) {
      const res = await get(m.url, w.tokens.a1);
      expect(res.statusCode, m.url).toBe(200);
      expect(res.headers['content-type']).toBe(m.mimeType);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(Buffer.compare(res.rawPayload, expected[i]), m.url).toBe(0);
    }
    // The city bureau sees it too; its county's list holds both counties' activities.
    expect((await get(media[0].url, w.tokens.bureau)).statusCode).toBe(200);
    expect((await get('/api/activities?month=2026-11', w.tokens.bureau)).json().items).toHaveLength(2);
  });

  it('refuses another county, a missing token, an unknown id and a file gone from DATA_DIR', async () => {
    const a1 = (await get('/api/activities?month=2026-11', w.tokens.a1)).json().items[0].media[0];
    const other = await get(a1.url, w.tokens.lingshan);
    expect(other.statusCode).toBe(403);
    expect(other.json().error.message).toBe("this token may not see that unit's activity material");
    expect((await get(a1.url)).statusCode).toBe(401);
    const unknown = await get('/api/activities/media/999999', w.tokens.bureau);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.message).toBe('no activity file has id 999999');
    expect((await get('/api/activities/media/abc', w.tokens.bureau)).json().error.message).toContain('a media id is a whole number');
    const lingshan = (await get('/api/activities?month=2026-11', w.tokens.lingshan)).json().items[0].media[0];
    const row = await db.pool.query<{ file: string }>('SELECT file FROM activity_media WHERE id = $1', [lingshan.id]);
    fs.renameSync(path.join(dir, row.rows[0].file), path.join(dir, row.rows[0].file + '.moved'));
    try {
      const gone = await get(lingshan.url, w.tokens.lingshan);
      expect(gone.statusCode).toBe(404);
      expect(gone.json().error.message).toContain('no longer under DATA_DIR');
    } finally {
      fs.renameSync(path.join(dir, row.rows[0].file + '.moved'), path.join(dir, row.rows[0].file));
    }
  });
});
