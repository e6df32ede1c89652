import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../bot/config.ts';

const SECRET = 'x'.repeat(32);

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadConfig', () => {
  it('has defaults that start a bot on a fresh machine', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      databaseUrl: undefined,
      puppet: 'wechaty-puppet-wechat4u',
      botName: 'antifraud-relay',
      httpPort: 8080,
      timeZone: 'Asia/Shanghai',
      logLevel: 'info',
    });
    expect(c.dataDir).toMatch(/\/data$/);
  });

  it.each([
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL is not a postgresql:\/\/ URL — unset it to use the embedded database/],
    [{ HTTP_PORT: 'eighty' }, /HTTP_PORT must be a port number/],
    [{ HTTP_PORT: '70000' }, /between 0 and 65535/],
    [{ HTTP_PORT: '0x1F90' }, /HTTP_PORT must be a port number such as 8080, in decimal digits/],
    [{ HTTP_PORT: '8080.0' }, /in decimal digits/],
    [{ HTTP_PORT: '1e3' }, /in decimal digits/],
    [{ TZ: 'Mars/Olympus' }, /TZ is not a known IANA time zone/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of fatal, error/],
    [{ WECHATY_PUPPET: 'wechat4u' }, /must name a Wechaty puppet package/],
    [{ WECHATY_NAME: 'my bot/1' }, /WECHATY_NAME names the bot account/],
    [{ LEDGER_SECRET: 'short' }, /at least 32 characters/],
    [{ DATABASE_URL: 'postgresql://u@db/x' }, /LEDGER_SECRET is required when DATABASE_URL names a shared server/],
  ])('refuses %o with a message that says how to fix it', (env, message) => {
    expect(problems(env as Record<string, string>).join('\n')).toMatch(message);
  });

  it('reports every bad value at once', () => {
    expect(problems({ HTTP_PORT: '-1', TZ: 'Nowhere', LOG_LEVEL: 'x' })).toHaveLength(3);
  });

  it.each([
    [{ DATABASE_URL: 'postgres://u:p@db:5432/x', LEDGER_SECRET: SECRET }, { databaseUrl: 'postgres://u:p@db:5432/x', ledgerSecret: SECRET }],
    [{ HTTP_PORT: '0' }, { httpPort: 0 }],
    [{ LOG_LEVEL: 'DEBUG' }, { logLevel: 'debug' }],
    [{ WECHATY_PUPPET: 'wechaty-puppet-service', WECHATY_NAME: 'relay-2' }, { puppet: 'wechaty-puppet-service', botName: 'relay-2' }],
    [{ DATABASE_URL: '  ', TZ: '' }, { databaseUrl: undefined, timeZone: 'Asia/Shanghai' }],
  ])('accepts %o', (env, expected) => {
    expect(loadConfig(env as Record<string, string>)).toMatchObject(expected);
  });

  it('takes .env values, with the real environment winning', () => {
    const c = loadConfig({ HTTP_PORT: '9000' }, { HTTP_PORT: '7000', WECHATY_NAME: 'from-file' });
    expect(c.httpPort).toBe(9000);
    expect(c.botName).toBe('from-file');
  });
});
