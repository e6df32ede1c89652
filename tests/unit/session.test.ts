import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupSession, restoreSession, sessionFile } from '../../bot/wechat/session.ts';
import { captureLog } from '../helpers/log.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'session-'));

describe('the WeChat session file', () => {
  it('is restored from the copy kept at the last login when a write was interrupted', () => {
    const { log, messages } = captureLog();
    const file = sessionFile(path.join(dir, 'relay-1'));
    expect(restoreSession(file, log)).toBe('none');
    fs.writeFileSync(file, JSON.stringify({ 'puppet-wechat4u': { PROP: { uin: '1' } } }));
    expect(restoreSession(file, log)).toBe('ok');
    expect(backupSession(file, log)).toBe(true);
    fs.writeFileSync(file, '{"puppet-wechat4u": {"PROP": {"ui'); // cut mid-write
    expect(restoreSession(file, log)).toBe('restored');
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ 'puppet-wechat4u': { PROP: { uin: '1' } } });
    expect(messages()).toContain('the WeChat session file was broken (interrupted write); restored the copy from the last login');
  });

  it('is set aside (not deleted) when no good copy exists', () => {
    const { log } = captureLog();
    const file = sessionFile(path.join(dir, 'relay-2'));
    fs.writeFileSync(file, '{broken');
    expect(backupSession(file, log)).toBe(false);
    expect(restoreSession(file, log)).toBe('lost');
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.readFileSync(`${file}.broken`, 'utf8')).toBe('{broken');
  });
});
