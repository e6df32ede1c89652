// `antifraud token …` and `antifraud report …` as a user runs them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../bot/http/tokens.ts';
import { bureauWorld } from '../helpers/bureau-world.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';
import { runCli } from '../helpers/cli.ts';

let db: TestDb;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'antifraud-cli-bureau-'));
beforeAll(async () => {
  db = await freshDb();
  await bureauWorld(db.prisma);
});
afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await db.drop();
});

const cli = (args: string[]) => runCli(db, args);

describe('antifraud token', { timeout: 90_000 }, () => {
  it('creates a token shown once and stored hashed, lists without secrets, revokes', async () => {
    const c = await cli(['token', 'create', '--role', 'county', '--unit', '灵山县教育局']);
    expect(c.code).toBe(0);
    const secret = /\s(af_[\w-]+)\s/.exec(c.stdout)![1];
    const row = await db.prisma.apiToken.findFirstOrThrow({ where: { hash: hashToken(secret) } });
    expect(row.role).toBe('county');
    const list = await cli(['token', 'list']);
    expect(list.stdout).toContain('灵山县教育局');
    expect(list.stdout).not.toContain(secret);
    expect(list.stdout).not.toContain(row.hash);
    const r = await cli(['token', 'revoke', String(row.id)]);
    expect(r.stdout.trim()).toBe(`令牌 ${row.id} 已撤销`);
    expect((await cli(['token', 'list'])).stdout).toContain('已撤销');
  });

  it('says what is wrong', async () => {
    const badRole = await cli(['token', 'create', '--role', 'school', '--unit', '灵山县教育局']);
    expect(badRole.code).toBe(1);
    expect(badRole.stderr.trim()).toBe('antifraud: school 令牌要对应学校或部门,而 灵山县教育局 是县区教育局。');
    expect((await cli(['token', 'create', '--role', 'bureau', '--unit', '不存在'])).stderr).toContain('没有名为“不存在”的单位(见 `antifraud org list`)。');
    expect((await cli(['token', 'revoke', 'abc'])).stderr).toContain('令牌编号是数字');
  });
});

describe('antifraud report', { timeout: 90_000 }, () => {
  it('produces a monthly report with an XLSX file', async () => {
    const file = path.join(dir, 'city.xlsx');
    const r = await cli(['report', 'monthly', '--period', '2026-11', '--xlsx', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('钦州市教育局 2026-11 月报');
    expect(r.stdout).toContain('覆盖率 210/240 = 87.5%(目标 100%)');
    expect(r.stdout).toContain('统计区间 2026-10-23 00:00 – 2026-11-23 00:00,截止 2026-11-25 00:00');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    expect(wb.getWorksheet('分单位')!.getRow(1).values).toEqual([undefined, '县区', '群数', '送达人数', '已确认', '覆盖率(%)', '未达标', '人数未知的送达', '其中已确认', '不计的班主任和教职工(人次)']);
  });

  it('refuses a bad period', async () => {
    const r = await cli(['report', 'half-year', '--period', '2026-11']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('antifraud: 报告期间的写法是 2026-H1(收到的是“2026-11”)。');
  });
});
