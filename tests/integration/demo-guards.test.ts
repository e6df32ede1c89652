// The demo refuses what would go wrong quietly (issue 13, items 4–6): a --data-dir holding a real
// database, a scenario whose org.csv is missing (no database may be left behind), groups naming units
// absent from the CSV, and class groups on another account than their school's work group.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimDemoDir, DEMO_MARK, runDemo } from '../../bot/demo/run.ts';
import { loadScenario } from '../../bot/demo/scenario.ts';
import { SetupError, UserError } from '../../bot/errors.ts';
import { runCli } from '../helpers/cli.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';

let tmp: string;
let db: TestDb;
const small = JSON.parse(fs.readFileSync('tests/fixtures/scenarios/small.json', 'utf8'));

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-guards-'));
  fs.chmodSync(tmp, 0o755);
  db = await freshDb();
});
afterAll(async () => {
  fs.rmSync(tmp, { recursive: true, force: true });
  await db?.drop();
});

function scenarioFile(name: string, change: (s: typeof small) => void): string {
  const s = structuredClone(small);
  change(s);
  const f = path.join(tmp, name);
  fs.writeFileSync(f, JSON.stringify(s));
  return f;
}

async function failure(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(Error);
  expect((err as Error).message).not.toMatch(/\n\s+at /);
  return err as Error;
}

describe('scenario files', () => {
  it('refuses a missing org.csv before any database is made', async () => {
    const file = scenarioFile('no-csv.json', (s) => {
      s.org = { csv: 'content/org/does-not-exist.csv' };
    });
    const dataDir = path.join(tmp, 'never-made');
    const err = await failure(runDemo({ scenario: file, dataDir, out: () => undefined, logLevel: 'silent' }));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/^no-csv\.json: scenario\.org\.csv: cannot read content\/org\/does-not-exist\.csv \(ENOENT\) — the path is relative to the project directory /);
    expect(fs.existsSync(dataDir)).toBe(false);
  });

  it('refuses groups naming units the CSV does not have, and class groups at a non-school', () => {
    const file = scenarioFile('absent-units.json', (s) => {
      s.org = { csv: 'content/org/qinzhou-sample.csv' };
    });
    const err = (() => {
      try {
        loadScenario(file);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(UserError);
    expect(err!.message).toContain('absent-units.json is not a valid scenario:');
    expect(err!.message).toContain('scenario.groups[0].unit: no unit named 钦南区测试小学 in content/org/qinzhou-sample.csv');
  });

  it('refuses inline groups at absent units or a class group at a county', () => {
    const file = scenarioFile('inline.json', (s) => {
      s.groups[0].unit = '不存在的学校';
      const parent = s.groups.find((g: { kind: string }) => g.kind === 'parent');
      parent.unit = '钦南区教育局';
    });
    expect(() => loadScenario(file)).toThrow(/scenario\.groups\[0\]\.unit: no unit named 不存在的学校 in scenario\.org\.units/);
    expect(() => loadScenario(file)).toThrow(/钦南区教育局 is a county unit; class groups belong to schools/);
  });

  it("refuses a class group on another account than its school's work group", () => {
    const file = scenarioFile('other-account.json', (s) => {
      const parent = s.groups.find((g: { kind: string }) => g.kind === 'parent');
      const work = s.groups.find((g: { kind: string; unit: string }) => g.kind === 'work' && g.unit === parent.unit);
      parent.account = work.account === 'relay-a' ? 'relay-b' : 'relay-a';
    });
    expect(() => loadScenario(file)).toThrow(/a class group must be on the account of its school's work group \(relay-\w\), not relay-\w: the teacher registers it through that work group/);
  });

  it('refuses a class name that is not one', () => {
    const file = scenarioFile('class-name.json', (s) => {
      s.groups.find((g: { kind: string }) => g.kind === 'parent').class = '=1+2';
    });
    expect(() => loadScenario(file)).toThrow(/scenario\.groups\[\d+\]\.class: the class name starts with = \+ - or @/);
  });
});

describe('demo --data-dir', () => {
  it('takes a new or empty directory, or one of its own, and marks it', () => {
    const fresh = path.join(tmp, 'fresh');
    expect(claimDemoDir(fresh)).toBe(fresh);
    expect(fs.existsSync(path.join(fresh, DEMO_MARK))).toBe(true);
    fs.mkdirSync(path.join(fresh, 'postgres'));
    expect(claimDemoDir(fresh)).toBe(fresh); // the demo's own database
  });

  it("refuses a directory holding the bot's data", () => {
    const real = path.join(tmp, 'real');
    fs.mkdirSync(path.join(real, 'postgres'), { recursive: true });
    fs.writeFileSync(path.join(real, 'secrets.json'), '{}');
    expect(() => claimDemoDir(real)).toThrow(SetupError);
    expect(() => claimDemoDir(real)).toThrow(`--data-dir ${real} holds data the demo did not make (postgres, secrets.json); the demo would change that database — give a new or empty directory (never the bot's DATA_DIR)`);
    expect(fs.readdirSync(real).sort()).toEqual(['postgres', 'secrets.json']);
  });

  it('stops `antifraud demo --data-dir` on real data with exit 69 and one sentence', async () => {
    const real = path.join(tmp, 'real2');
    fs.mkdirSync(real);
    fs.writeFileSync(path.join(real, 'antifraud-relay.memory-card.json'), '{}');
    const r = await runCli(db, ['demo', '--data-dir', real]);
    expect(r.code).toBe(69);
    expect(r.stderr.trim()).toBe(`antifraud: --data-dir ${real} holds data the demo did not make (antifraud-relay.memory-card.json); the demo would change that database — give a new or empty directory (never the bot's DATA_DIR)`);
  }, 60_000);
});
