// `npm start` and its embedded PostgreSQL across crashes: a kill -9 of the bot leaves no database
// running, a server orphaned some other way is stopped at the next start (and said so), SIGTERM
// stops the server the bot runs on, and a second start on the same DATA_DIR is refused.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alive, runningServer, startEmbedded } from '../../bot/db/embedded.ts';
import { loadLocalSecrets } from '../../bot/db/secrets.ts';
import { silentLogger } from '../../bot/log.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'antifraud-hygiene-'));
const pgDir = path.join(dir, 'postgres');
const started: ChildProcess[] = [];
afterAll(() => {
  // Only what this file started: the bot processes (by pid) and a server in its own directory.
  for (const c of started) if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
  const s = runningServer(pgDir);
  if (s) process.kill(s.pid, 'SIGINT');
  fs.rmSync(dir, { recursive: true, force: true });
});

async function until(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** `npm start` on the test DATA_DIR (npm → sh → node bin/start.js: the bot is the pid in its lock file). */
function npmStart() {
  const child = spawn('npm', ['start', '--silent'], {
    env: { ...process.env, DATA_DIR: dir, DATABASE_URL: '', LEDGER_SECRET: '', HTTP_PORT: '0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    out: () => out,
    exited,
    waitFor: async (re: RegExp) => until(() => re.test(out), `${re} in:\n${out}`, 240_000), // (npm starts slowly on a busy machine)
  };
}

const botPid = () => Number(fs.readFileSync(path.join(dir, 'antifraud-relay.pid'), 'utf8'));

describe('npm start and its embedded database across crashes', () => {
  it('refuses a second start on the same DATA_DIR with one sentence', async () => {
    const first = npmStart();
    await first.waitFor(/database ready/);
    const second = spawnSync('node', ['--import', 'tsx', 'bot/main.ts'], {
      env: { ...process.env, DATA_DIR: dir, DATABASE_URL: '', LEDGER_SECRET: '', HTTP_PORT: '0' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(second.status).toBe(69);
    const lines = second.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^antifraud-relay: another antifraud-relay process \(pid \d+\) is already running on DATA_DIR .* — stop it first/);
    expect(runningServer(pgDir)).toBeDefined(); // the first one's database is untouched

    // kill -9 of the bot: its watchdog stops the database; npm ends too.
    const pm = runningServer(pgDir)!.pid;
    process.kill(botPid(), 'SIGKILL');
    await first.exited;
    await until(() => !alive(pm), 'the orphaned postgres to stop');
    expect(runningServer(pgDir)).toBeUndefined();
  }, 400_000);

  it('stops a server orphaned by a process that is gone, says so, and SIGTERM stops the server it runs on', async () => {
    // A server whose owner died without a watchdog (e.g. the whole machine's process tree killed).
    const orphan = await startEmbedded(dir, loadLocalSecrets(dir).postgresPassword, silentLogger());
    const gone = spawnSync('true').pid!;
    fs.writeFileSync(path.join(dir, 'postgres.owner'), JSON.stringify({ pid: gone }));
    const pm = runningServer(pgDir)!.pid;
    void orphan; // not stopped here: the bot must do it

    const bot = npmStart();
    await bot.waitFor(/database ready/);
    expect(bot.out()).toMatch(/found the embedded database still running from a process that ended/);
    expect(bot.out()).toMatch(/stopped the orphaned embedded database/);
    expect(alive(pm)).toBe(false);
    const mine = runningServer(pgDir)!.pid;
    expect(mine).not.toBe(pm);

    process.kill(botPid(), 'SIGTERM');
    expect(await bot.exited).toBe(0);
    expect(bot.out()).toContain('embedded database stopped');
    expect(alive(mine)).toBe(false);
    expect(fs.existsSync(path.join(dir, 'antifraud-relay.pid'))).toBe(false);
  }, 400_000);
});
