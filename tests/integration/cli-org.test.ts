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
    expect(imp.stdout.replace(/\s+/g, ' ')).toContain('county, name, kind (city|county|department|school), parent');
    expect(imp.stdout).toContain('--dry-run');
  });

  it('imports the sample twice without duplicates, printing codes only the first time', async () => {
    const first = await cli(['org', 'import', 'content/org/qinzhou-sample.csv']);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('created 19 unit(s), 0 already present');
    expect(first.stdout).toMatch(/钦南区教育局\s+县区\s+钦州市教育局\s+[2-9A-Z]{4}-[2-9A-Z]{4}/);
    const second = await cli(['org', 'import', 'content/org/qinzhou-sample.csv']);
    expect(second.stdout).toContain('created 0 unit(s), 19 already present');
    expect(second.stdout).not.toMatch(/[2-9A-Z]{4}-[2-9A-Z]{4}/);
    expect(await db.prisma.orgUnit.count()).toBe(19);
  }, 90_000); // two CLI runs: each starts node + tsx, slow on a loaded machine

  it('rejects a broken CSV with one sentence and a non-zero exit, changing nothing', async () => {
    const file = path.join(os.tmpdir(), `bad-${process.pid}.csv`);
    fs.writeFileSync(file, 'county,name,kind\n钦南区,某学校,school\n');
    const r = await cli(['org', 'import', file]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('antifraud: the CSV needs the columns county, name, kind, parent; missing: parent');
    expect(r.stderr).not.toContain('    at ');
    const missing = await cli(['org', 'import', '/nonexistent/units.csv']);
    expect(missing.stderr.trim()).toBe('antifraud: cannot read /nonexistent/units.csv: ENOENT');
    fs.rmSync(file);
  });

  it('rotates a code and refuses an unknown unit politely', async () => {
    const ok = await cli(['org', 'codes', '--rotate', '灵山县教育局']);
    expect(ok.stdout).toMatch(/new enrollment code for 灵山县教育局: [2-9A-Z]{4}-[2-9A-Z]{4}/);
    const bad = await cli(['org', 'codes', '--rotate', '不存在']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('no unit is named "不存在" (see `antifraud org list`)');
  });

  it('says how to fix a bad setting', async () => {
    const { stderr, code } = await runCli(db, ['org', 'list'], { DATABASE_URL: 'mysql://x' });
    expect(code).toBe(78);
    expect(stderr).toContain('DATABASE_URL is not a postgresql:// URL — unset it to use the embedded database');
  });
});
