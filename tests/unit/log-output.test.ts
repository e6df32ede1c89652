// Logs for people: coloured lines on a terminal, JSON lines otherwise; the login QR code goes to a
// terminal (and the dashboard), never into the log.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { showLoginQr } from '../../bot/wechat/bot.ts';
import { captureLog } from '../helpers/log.ts';

const QR = 'https://login.weixin.qq.com/l/Yb3kq9XzPw==';
const SNIPPET = `import { createLogger } from './bot/log.ts'; const l = createLogger(); l.info({ post: 'F12' }, 'relayed'); l.child({ name: 'relay' }).warn('paused');`;

describe('the login QR code', () => {
  it('is drawn on a terminal, and the log line carries neither the picture nor the payload', () => {
    const c = captureLog();
    let written = '';
    showLoginQr(QR, { terminal: true, write: (t) => (written += t), log: c.log, scanStatus: 2 });
    expect(written).toMatch(/[▀▄█]/);
    expect(written).not.toContain(QR);
    expect(c.lines).toHaveLength(1);
    expect(JSON.stringify(c.lines)).not.toContain('Yb3kq9XzPw');
    expect(JSON.stringify(c.lines)).not.toMatch(/[▀▄█]/);
  });

  it('is not written at all when stdout is not a terminal (a log file); the log points to the dashboard', () => {
    const c = captureLog();
    let written = '';
    showLoginQr(QR, { terminal: false, write: (t) => (written += t), log: c.log });
    expect(written).toBe('');
    expect(c.messages()[0]).toContain('dashboard');
    expect(JSON.stringify(c.lines)).not.toContain('Yb3kq9XzPw');
  });
});

describe('the root logger', () => {
  it('writes JSON lines when stdout is a pipe', () => {
    const out = execFileSync('node', ['--import', 'tsx', '--input-type=module', '-e', SNIPPET], { encoding: 'utf8' });
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toMatchObject([{ level: 30, post: 'F12', msg: 'relayed' }, { level: 40, name: 'relay', msg: 'paused' }]);
  });

  it.skipIf(!fs.existsSync('/usr/bin/script'))('writes coloured, readable lines on a terminal', () => {
    // util-linux `script` gives the child a pseudo-terminal.
    const cmd = `node --import tsx --input-type=module -e "${SNIPPET.replaceAll('"', '\\"')}"`;
    const out = execFileSync('/usr/bin/script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8' });
    expect(out).toMatch(/\u001b\[32mINFO\u001b\[39m/);
    expect(out).toMatch(/WARN.*\(relay\).*paused/);
    expect(out).toMatch(/\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\]/);
    expect(out).not.toContain('{"level"');
  });
});
