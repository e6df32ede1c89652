// The `antifraud` command as a user runs it: help, import twice, and one clear line on bad input.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../helpers/db.ts';
import { runCli } from '../helpers/cli.ts';

let db: TestDb;
beforeAll(async () => {
  db = await freshDb();
});
afterAll(async () => db.drop());

const cli = (args: string[]) => runCli(db, args);

describe('antifraud CLI', () => {
  it('explains itself', async () => {
    const top = await cli(['--help']);
    expect(top.stdout).toContain('org');
    expect(top.stdout).toContain('antifraud org import content/org/qinzhou-sample.csv');
    const imp = await cli(['org', 'import', '--help']);
    expect(imp.stdout.replace(/\s+/g, ' ')).toContain('CSV 文件,列为 county, name, kind(city|county|department|school), parent');
    expect(imp.stdout).toContain('--dry-run');
    expect(imp.stdout).toContain('只检查文件并显示将要创建的单位');
  });

  it('imports the sample twice without duplicates, printing codes only the first time', async () => {
    const first = await cli(['org', 'import', 'content/org/qinzhou-sample.csv']);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('已创建 19 个单位,0 个已存在');
    expect(first.stdout).toContain('登记码只显示这一次');
    expect(first.stdout).toMatch(/钦南区教育局\s+县区\s+钦州市教育局\s+[2-9A-Z]{4}-[2-9A-Z]{4}/);
    const second = await cli(['org', 'import', 'content/org/qinzhou-sample.csv']);
    expect(second.stdout).toContain('已创建 0 个单位,19 个已存在');
    expect(second.stdout).not.toMatch(/[2-9A-Z]{4}-[2-9A-Z]{4}/);
    expect(await db.prisma.orgUnit.count()).toBe(19);
  }, 90_000); // two CLI runs: each starts node + tsx, slow on a loaded machine

  it('rejects a broken CSV with one sentence and a non-zero exit, changing nothing', async () => {
    const file = path.join(os.tmpdir(), `bad-${process.pid}.csv`);
    fs.writeFileSync(file, 'county,name,kind\n钦南区,某学校,school\n');
    const r = await cli(['org', 'import', file]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('antifraud: CSV 需要这些列:county, name, kind, parent;缺少:parent');
    expect(r.stderr).not.toContain('    at ');
    const missing = await cli(['org', 'import', '/nonexistent/units.csv']);
    expect(missing.stderr.trim()).toBe('antifraud: 无法读取 /nonexistent/units.csv:ENOENT');
    fs.rmSync(file);
  });

  it('rotates a code and refuses an unknown unit politely', async () => {
    const ok = await cli(['org', 'codes', '--rotate', '灵山县教育局']);
    expect(ok.stdout).toMatch(/灵山县教育局 的新登记码:[2-9A-Z]{4}-[2-9A-Z]{4}/);
    const bad = await cli(['org', 'codes', '--rotate', '不存在']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('没有名为“不存在”的单位(见 `antifraud org list`)。');
  }, 90_000); // two CLI runs

  it('says how to fix a bad setting', async () => {
    const { stderr, code } = await runCli(db, ['org', 'list'], { DATABASE_URL: 'mysql://x' });
    expect(code).toBe(78);
    expect(stderr).toContain('DATABASE_URL is not a postgresql:// URL — unset it to use the embedded database');
  });
});
