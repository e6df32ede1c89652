// The delivery list (failed / unknown / skipped, with reasons) downloaded from the API and written
// by the CLI, read back as CSV and XLSX.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../bot/clock.ts';
import { buildServer } from '../../bot/http/server.ts';
import { createLogger } from '../../bot/log.ts';
import { reasonKey } from '../../bot/relay/delivery-export.ts';
import { AT, bureauWorld, TEACHER_NAMES } from '../helpers/bureau-world.ts';
import { runCli } from '../helpers/cli.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';

let db: TestDb;
let app: FastifyInstance;
let w: Awaited<ReturnType<typeof bureauWorld>>;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'delivery-export-'));

beforeAll(async () => {
  db = await freshDb();
  w = await bureauWorld(db.prisma);
  app = buildServer({ db, clock: fixedClock(AT), log: createLogger({ level: 'silent' }), config: { timeZone: 'Asia/Shanghai' } });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await db.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function download(url: string, token: string) {
  const r = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
  return { status: r.statusCode, headers: r.headers, body: r.body, raw: r.rawPayload, json: () => r.json() };
}

async function sheetRows(buf: Buffer): Promise<unknown[][]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as never);
  const ws = wb.getWorksheet('发送清单')!;
  return (ws.getSheetValues() as unknown[][]).filter(Boolean).map((row) => row.slice(1));
}

describe('the delivery list export', () => {
  it('downloads failed, unknown and skipped sends with reasons as XLSX, and no names of people', async () => {
    const r = await download(`/api/posts/${w.post.code}/deliveries/export?format=xlsx`, w.tokens.bureau);
    expect(r.status).toBe(200);
    expect(r.headers['content-disposition']).toBe(`attachment; filename="deliveries-${w.post.code}.xlsx"`);
    const rows = await sheetRows(r.raw);
    expect(rows[0]).toEqual(['文章编号', '文章标题', '状态', '原因', '详情', '群', '群类型', '班级', '学校/单位', '县区', '机器人账号', '尝试次数', '计划时间', '发送时间']);
    const body = rows.slice(1).map((x) => [x[2], x[3], x[4], x[5], x[8], x[9]]);
    expect(body).toContainEqual(['失败', '微信限制发送频率,重试后仍未发出', 'throttled (1205)', '初一2班家长群', '钦南区实验中学', '钦南区教育局']);
    expect(body).toContainEqual(['结果不明', '可能已发出,为避免重复未自动重发,请到群里核对', 'timeout after say', '高一1班家长群', '钦州市高级中学', '市直学校']);
    expect(rows.slice(1).map((x) => x[2])).toEqual(['失败', '结果不明']); // sent rows are not in the list
    expect(JSON.stringify(rows)).not.toMatch(new RegExp(TEACHER_NAMES.join('|')));
  });

  it('writes CSV with a BOM, includes skipped rows, and keeps a county to its own groups', async () => {
    await db.prisma.delivery.create({
      data: { postId: w.letter.id, groupId: w.groups.a2p1.id, botAccountId: w.bot.id, status: 'skipped', dueAt: AT, error: 'group paused' },
    });
    const csv = await download(`/api/posts/${w.letter.code}/deliveries/export?format=csv`, w.tokens.qinnan);
    expect(csv.status).toBe(200);
    expect(csv.body.startsWith('\uFEFF文章编号,文章标题,状态,原因,详情,群')).toBe(true);
    const lines = csv.body.trim().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('未发送(跳过),群已暂停接收(#暂停),group paused,初一2班家长群,家长群,初一2班,钦南区实验中学,钦南区教育局');
    const other = await download(`/api/posts/${w.post.code}/deliveries/export?format=csv`, w.tokens.lingshan);
    expect(other.body.trim().split('\r\n')).toHaveLength(1); // header only: Lingshan had no failures
    expect((await download(`/api/posts/${w.post.code}/deliveries/export?format=csv&county=${w.units.lingshan.id}`, w.tokens.qinnan)).status).toBe(403);
  });

  it('says what is wrong with a bad request', async () => {
    const bad = await download(`/api/posts/${w.post.code}/deliveries/export?format=pdf`, w.tokens.bureau);
    expect(bad.status).toBe(400);
    expect(bad.json().error.message).toContain('format must be csv or xlsx');
    expect((await download('/api/posts/F99999/deliveries/export', w.tokens.bureau)).status).toBe(404);
  });

  it('is written by the CLI, and a bad status or path gets a sentence', async () => {
    const xlsx = path.join(tmp, 'list.xlsx');
    const csv = path.join(tmp, 'list.csv');
    const ok = await runCli(db, ['deliveries', w.post.code.toLowerCase(), '--xlsx', xlsx, '--csv', csv]);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain('(2 行:failed, unknown, skipped)'); // content/locales/zh-CN/cli.yml wrote_rows
    expect((await sheetRows(fs.readFileSync(xlsx))).length).toBe(3);
    expect(fs.readFileSync(csv, 'utf8')).toContain('throttled (1205)');
    const bad = await runCli(db, ['deliveries', w.post.code, '--csv', csv, '--status', 'failed,lost']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--status 是以逗号分隔的状态:pending,sending,sent,failed,unknown,skipped(收到的是"failed,lost")');
    const nowhere = await runCli(db, ['deliveries', w.post.code, '--csv', path.join(tmp, 'missing/dir/x.csv')]);
    expect(nowhere.stderr).toContain('无法写入');
    expect(nowhere.code).toBe(1);
  });

  it('names reasons from the raw errors', () => {
    expect(reasonKey('skipped', 'auto-forward is off for this parent group')).toBe('auto_forward_off');
    expect(reasonKey('skipped', 'group left: removed by 王老师')).toBe('left');
    expect(reasonKey('skipped', 'group ambiguous: two rooms')).toBe('ambiguous');
    expect(reasonKey('failed', 'AssertionError: Ret 1204')).toBe('bad_target');
    expect(reasonKey('failed', 'Unsupported API')).toBe('refused');
    expect(reasonKey('failed', 'something else')).toBe('other');
    expect(reasonKey('unknown', 'may have been sent')).toBe('unknown');
  });
});
