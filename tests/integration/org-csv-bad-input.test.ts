// Org CSVs as people really hand them in (issue 13, items 2 and 3): saved by Excel on Chinese Windows
// (GBK), with NUL bytes, or with a unit under the wrong kind of parent. Each is read right or refused
// with one sentence that says what to do; nothing is half-imported.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../bot/errors.ts';
import { decodeTextFile } from '../../bot/registry/csv-encoding.ts';
import { importOrg, parseOrgCsv } from '../../bot/registry/org-import.ts';
import { runCli } from '../helpers/cli.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';

const ORG = `county,name,kind,parent
,钦州市教育局,city,
钦南区,钦南区教育局,county,钦州市教育局
,市教育局安全稳定科,department,钦州市教育局
钦南区,钦南区第一小学,school,钦南区教育局
`;

let db: TestDb;
let dir: string;
beforeAll(async () => {
  db = await freshDb();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'org-csv-'));
});
afterAll(async () => {
  await db?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function fileOf(name: string, bytes: Buffer | string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, bytes);
  return f;
}

function userError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error('expected a UserError');
}

describe('encodings', () => {
  it.each([
    ['UTF-8', Buffer.from(ORG, 'utf8')],
    ['UTF-8', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(ORG, 'utf8')])],
    ['GB18030', iconv.encode(ORG, 'gbk')],
    ['UTF-16LE', Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(ORG, 'utf16le')])],
  ])('reads %s into the same units', (encoding, bytes) => {
    const d = decodeTextFile(bytes, 'units.csv');
    expect(d.encoding).toBe(encoding);
    expect(parseOrgCsv(d.text).map((r) => r.name)).toEqual(['钦州市教育局', '钦南区教育局', '市教育局安全稳定科', '钦南区第一小学']);
  });

  it('refuses an encoding it cannot be sure of, with the fix', () => {
    const msg = userError(() => decodeTextFile(iconv.encode(ORG.replace(/钦/g, '欽'), 'big5'), 'units.csv'));
    expect(msg).toContain('units.csv 既不是 UTF-8 也不是 GBK');
    expect(msg).toContain('另存为');
    expect(msg).toContain('CSV UTF-8');
  });

  it('imports a GBK file from the command line with the right names and says how it read it', async () => {
    const r = await runCli(db, ['org', 'import', fileOf('gbk.csv', iconv.encode(ORG, 'gbk'))]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('已按 GBK(GB18030');
    expect(r.stdout).toContain('已创建 4 个单位');
    expect((await db.prisma.orgUnit.findMany({ orderBy: { id: 'asc' } })).map((u) => u.name)).toEqual(['钦州市教育局', '钦南区教育局', '市教育局安全稳定科', '钦南区第一小学']);
  });
});

describe('NUL and control characters', () => {
  it.each([
    [`county,name,kind,parent\n,钦州市教育局,city,\n钦南区,钦南区\u0000教育局,county,钦州市教育局\n`, '第 3 行:单位名称含有控制字符(例如 NUL),请删除'],
    [`county,name,kind,parent\n,钦州市教育局,city,\n钦南区,钦南区教育局,county,钦州市\u0000教育局\n`, '第 3 行:上级单位列含有控制字符'],
    [`county,name,kind,parent\n,钦州市教育局,city,\n钦南\u0007区,钦南区教育局,county,钦州市教育局\n`, '第 3 行:县区列含有控制字符'],
  ])('refuses %j naming the line', (csv, msg) => {
    expect(userError(() => parseOrgCsv(csv))).toContain(msg);
  });

  it('exits 1 with one sentence from the command line, no stack, nothing imported', async () => {
    const before = await db.prisma.orgUnit.count();
    const r = await runCli(db, ['org', 'import', fileOf('nul.csv', `county,name,kind,parent\n钦北区,钦北区\u0000教育局,county,钦州市教育局\n`)]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('antifraud: 第 2 行:单位名称含有控制字符(例如 NUL),请删除');
    expect(await db.prisma.orgUnit.count()).toBe(before);
  });
});

describe('the hierarchy: city → county bureaus and departments → schools', () => {
  it.each([
    ['a county under a school', '钦南区,某县教育局,county,钦南区第一小学', '第 2 行:某县教育局(县区教育局)不能放在学校“钦南区第一小学”之下;它的上级必须是市教育局'],
    ['a school under a school', '钦南区,某分校,school,钦南区第一小学', '第 2 行:某分校(学校)不能放在学校“钦南区第一小学”之下;它的上级必须是县区教育局或部门'],
    ['a school under the city', ',某直属学校,school,钦州市教育局', '它的上级必须是县区教育局或部门'],
    ['a county under a county', '钦南区,某片区,county,钦南区教育局', '它的上级必须是市教育局'],
    ['a department under a school', ',某科室,department,钦南区第一小学', '它的上级必须是市教育局或县区教育局'],
  ])('refuses %s and imports nothing of the file', async (_what, line, msg) => {
    const before = await db.prisma.orgUnit.count();
    const csv = `county,name,kind,parent\n${line}\n钦南区,钦南区第二小学,school,钦南区教育局\n`;
    const err = await importOrg(db.prisma, parseOrgCsv(csv)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toContain(msg);
    expect(await db.prisma.orgUnit.count()).toBe(before);
  });

  it('says which line and why', async () => {
    const csv = `county,name,kind,parent\n钦南区,某县教育局,county,钦南区第一小学\n钦南区,某分校,school,钦南区第一小学\n`;
    await expect(importOrg(db.prisma, parseOrgCsv(csv))).rejects.toThrow(
      '第 2 行:某县教育局(县区教育局)不能放在学校“钦南区第一小学”之下;它的上级必须是市教育局\n' +
        '第 3 行:某分校(学校)不能放在学校“钦南区第一小学”之下;它的上级必须是县区教育局或部门',
    );
  });

  it('accepts a school under a department and a department under a county', async () => {
    const csv = `county,name,kind,parent\n,市直属实验学校,school,市教育局安全稳定科\n钦南区,钦南区教育局办公室,department,钦南区教育局\n`;
    const r = await importOrg(db.prisma, parseOrgCsv(csv));
    expect(r.created.map((c) => c.name)).toEqual(['市直属实验学校', '钦南区教育局办公室']);
  });
});
