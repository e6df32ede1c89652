// `npm start` with no WeChat reachable: the database comes up, the state is logged, the process
// stays up, Ctrl-C stops it and its database cleanly, and a second start reuses the data. Started as
// npm starts it (bin/start.js): the compiled bot of `npm install`, or the sources when asked.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'antifraud-start-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function startBot(env: Record<string, string> = {}): { lines: () => string[]; waitFor: (re: RegExp) => Promise<void>; stop: () => Promise<number | null> } {
  const child = spawn('node', ['bin/start.js'], {
    env: { ...process.env, DATA_DIR: dir, DATABASE_URL: '', LEDGER_SECRET: '', HTTP_PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    lines: () => out.split('\n').filter(Boolean),
    waitFor: async (re) => {
      for (let i = 0; i < 600 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 100));
      if (!re.test(out)) throw new Error(`timed out waiting for ${re}; output:\n${out}`);
    },
    stop: async () => {
      child.kill('SIGINT');
      return exited;
    },
  };
}

describe('npm start without WeChat', () => {
  it('starts, says why it cannot log in, stays up, stops cleanly, and reuses its data', async () => {
    const first = startBot();
    await first.waitFor(/database ready/);
    await first.waitFor(/waiting for WeChat login|cannot reach the WeChat servers|puppet error/);
    const text = first.lines().join('\n');
    expect(text).toContain('"code":"compiled (dist/bot)"'); // npm install compiled it (bin/build.js)
    expect(text).toContain('creating the embedded database (first start)');
    expect(text).toContain('migration applied');
    expect(await first.stop()).toBe(0);
    expect(first.lines().join('\n')).toContain('embedded database stopped');
    expect(fs.existsSync(path.join(dir, 'postgres', 'postmaster.pid'))).toBe(false);

    const second = startBot({ ANTIFRAUD_FROM_SOURCE: '1' });
    await second.waitFor(/database ready/);
    const again = second.lines().join('\n');
    expect(again).toContain('"code":"sources (tsx)"');
    expect(again).not.toContain('creating the embedded database');
    expect(again).not.toContain('migration applied');
    expect(await second.stop()).toBe(0);
  }, 120_000);
});

describe('npm start with a bad setting', () => {
  it('stops before anything starts, with the sentence that says how to fix it (not "the puppet could not start")', async () => {
    const data = fs.mkdtempSync(path.join(os.tmpdir(), 'antifraud-badsetting-'));
    const child = spawn('node', ['--import', 'tsx', 'bot/main.ts'], {
      env: { ...process.env, DATA_DIR: data, DATABASE_URL: '', HTTP_PORT: '0', LOG_LEVEL: 'info', CONFIRM_WINDOW_DAYS: 'a week', REMIND_MAX_ROUNDS: '9' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(78);
    expect(out).toContain('CONFIRM_WINDOW_DAYS must be a number of days such as 7');
    expect(out).toContain('REMIND_MAX_ROUNDS must be at most 7');
    expect(out).not.toContain('could not start');
    expect(out).not.toContain('database ready');
    expect(fs.existsSync(path.join(data, 'postgres'))).toBe(false);
    fs.rmSync(data, { recursive: true, force: true });
  }, 60_000);
});
