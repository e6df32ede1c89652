// Every failure a sentence (issue 13, item 5): numbers too large to be ids, a DATA_DIR that cannot
// be written or created, root with DATA_DIR inside a private directory. Each gets one line that says
// what to do and the exit code the README lists (1 bad input, 69 environment, 78 configuration),
// never a stack trace.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDataDir } from '../../bot/db/data-dir.ts';
import { idFrom } from '../../bot/db/ids.ts';
import { SetupError } from '../../bot/errors.ts';
import { resolveUnit } from '../../bot/http/tokens.ts';
import { runCli } from '../helpers/cli.ts';
import { freshDb, importOrgCodes, type TestDb } from '../helpers/db.ts';

let db: TestDb;
let tmp: string;
beforeAll(async () => {
  db = await freshDb();
  await importOrgCodes(db, 'county,name,kind,parent\n,钦州市教育局,city,\n');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'failures-'));
  fs.chmodSync(tmp, 0o755);
});
afterAll(async () => {
  await db?.drop();
  fs.chmodSync(tmp, 0o755);
  for (const d of fs.readdirSync(tmp)) fs.chmodSync(path.join(tmp, d), 0o755);
  fs.rmSync(tmp, { recursive: true, force: true });
});

const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at |Prisma|Invalid `/);

describe('ids above 2³¹−1', () => {
  it('are not ids', () => {
    expect(idFrom('2147483647')).toBe(2147483647);
    expect(idFrom('2147483648')).toBeNull();
    expect(idFrom('99999999999999999999')).toBeNull();
    expect(idFrom('0')).toBeNull();
  });

  it('name no unit', async () => {
    await expect(resolveUnit(db.prisma, '2147483648')).rejects.toThrow('no unit has id 2147483648 (see `antifraud org list`)');
  });

  it.each([
    [['token', 'create', '--role', 'bureau', '--unit', '3000000000'], 'antifraud: 没有编号为 3000000000 的单位(见 `antifraud org list`)。'],
    [['token', 'revoke', '3000000000'], 'antifraud: 没有编号为 3000000000 的令牌(见 `antifraud token list`)。'],
    [['org', 'codes', '--rotate', '3000000000'], 'antifraud: 没有编号为 3000000000 的单位(见 `antifraud org list`)。'],
    [['report', 'monthly', '--period', '2026-11', '--unit', '99999999999'], 'antifraud: 没有编号为 99999999999 的单位(见 `antifraud org list`)。'],
    [['coverage', 'F1', '--county', '3000000000'], 'antifraud: --county 不是单位编号(见 `antifraud org list`)'],
  ])('antifraud %j → exit 1 and one sentence', async (args, line) => {
    const r = await runCli(db, args);
    expect(r.stderr.trim()).toBe(line);
    expect(r.code).toBe(1);
    noStack(r.stderr);
  }, 60_000);
});

describe('DATA_DIR', () => {
  it('refuses a directory it cannot create, saying why', () => {
    const file = path.join(tmp, 'a-file');
    fs.writeFileSync(file, '');
    expect(() => checkDataDir(path.join(file, 'data'), { embedded: true })).toThrow(SetupError);
    expect(() => checkDataDir(path.join(file, 'data'), { embedded: true })).toThrow(/DATA_DIR .*a-file\/data cannot be created \(ENOTDIR: a part of the path is a file\) — create it by hand/);
  });

  it('refuses a directory it cannot write (as root, where access() says yes: a read-only /sys)', () => {
    let ro = '/sys';
    if (os.userInfo().uid !== 0) {
      ro = path.join(tmp, 'ro');
      fs.mkdirSync(ro, { mode: 0o555 });
    }
    expect(() => checkDataDir(ro, { embedded: true })).toThrow(/^DATA_DIR \S+ cannot be written \((EACCES|EPERM|EROFS): (permission denied|the file system is read-only)\) — give this user write access/);
  });

  it('explains, for root, a DATA_DIR inside a private (0700) directory before initdb fails', () => {
    const priv = fs.mkdtempSync(path.join(tmp, 'private-')); // mode 0700, like `mktemp -d`
    expect(() => checkDataDir(path.join(priv, 'data'), { embedded: true, asRoot: true })).toThrow(
      `run as root, the embedded database runs as the user postgres, which cannot enter ${priv} (mode 0700), a directory above DATA_DIR ${path.join(priv, 'data')} — run \`chmod o+x ${priv}\`, or set DATA_DIR to a directory outside it (e.g. /var/lib/antifraud-relay), or run the bot as an ordinary user`,
    );
    // Not a problem with a shared PostgreSQL, nor once the cluster exists.
    expect(() => checkDataDir(path.join(priv, 'data2'), { embedded: false, asRoot: true })).not.toThrow();
  });

  it('stops the CLI with exit 69 and the sentence (a file where DATA_DIR should be)', async () => {
    const file = path.join(tmp, 'not-a-dir');
    fs.writeFileSync(file, '');
    const r = await runCli(db, ['org', 'list'], { DATABASE_URL: '', LEDGER_SECRET: '', DATA_DIR: path.join(file, 'data') });
    expect(r.code).toBe(69);
    expect(r.stderr.trim()).toMatch(/^antifraud: DATA_DIR .* cannot be created \(ENOTDIR/);
    noStack(r.stderr);
  }, 60_000);

  it.runIf(os.userInfo().uid === 0)('stops root with exit 69 and the fix when DATA_DIR is inside a mktemp -d directory', async () => {
    const priv = fs.mkdtempSync(path.join(tmp, 'mktemp-'));
    const r = await runCli(db, ['org', 'list'], { DATABASE_URL: '', LEDGER_SECRET: '', DATA_DIR: path.join(priv, 'data') });
    expect(r.code).toBe(69);
    expect(r.stderr.trim()).toBe(`antifraud: run as root, the embedded database runs as the user postgres, which cannot enter ${priv} (mode 0700), a directory above DATA_DIR ${path.join(priv, 'data')} — run \`chmod o+x ${priv}\`, or set DATA_DIR to a directory outside it (e.g. /var/lib/antifraud-relay), or run the bot as an ordinary user`);
    expect(fs.existsSync(path.join(priv, 'data', 'postgres'))).toBe(false);
  }, 60_000);
});

describe('npm start refuses a bad setup at once', () => {
  /** Runs the bot (bot/main.ts) with `env`; resolves with its exit code and output. */
  function startBot(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
    return new Promise((resolve) => {
      execFile('node', ['--import', 'tsx', 'bot/main.ts'], { env: { ...process.env, DATABASE_URL: '', LEDGER_SECRET: '', HTTP_PORT: '0', LOG_LEVEL: 'info', ...env }, timeout: 50_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, out: stdout + stderr });
      });
    });
  }

  it.each([
    [{ WECHATY_PUPPET: 'wechaty-puppet-padlocal' }, 'antifraud-relay: WECHATY_PUPPET=wechaty-puppet-padlocal, but the package wechaty-puppet-padlocal is not installed — run `npm install wechaty-puppet-padlocal` in the bot\'s directory, or unset WECHATY_PUPPET to use wechaty-puppet-wechat4u'],
    [{ HTTP_PORT: '0x1F90' }, 'antifraud-relay: Configuration is invalid:\n- HTTP_PORT must be a port number such as 8080, in decimal digits (0 turns the dashboard off)'],
  ])('%o → exit 78 with one sentence, no database made', async (env, line) => {
    const dataDir = path.join(tmp, `start-${Object.keys(env)[0]}`);
    const r = await startBot({ ...env, DATA_DIR: dataDir });
    expect(r.out.trim()).toBe(line);
    expect(r.code).toBe(78);
    expect(fs.existsSync(path.join(dataDir, 'postgres'))).toBe(false);
  }, 60_000);
});
