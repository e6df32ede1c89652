// One settings load (bot/core/settings.ts): environment + .env + content/relay.yml + sources +
// ledger, all checked at once, one ConfigError whose sentences say how to fix each value.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../bot/config.ts';
import { loadSettings } from '../../bot/core/settings.ts';

function problems(env: Record<string, string>, envFile: Record<string, string> = {}, files = {}): string[] {
  try {
    loadSettings(env, envFile, files);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the settings to be refused');
}

describe('loadSettings', () => {
  it('gives the defaults of content/ and the ledger on an empty environment', () => {
    const { config, settings } = loadSettings({});
    expect(config.timeZone).toBe('Asia/Shanghai');
    expect(settings.ledger).toEqual({ windowMs: 7 * 86_400_000, targetPct: 100, remindParentAt: '19:30', remindWorkAt: '16:00', remindMaxRounds: 2 });
    expect(settings.relay.sending.dailyCap).toBe(400);
    expect(settings.sources.channels.map((c) => c.name)).toEqual(expect.arrayContaining(['国家反诈中心']));
  });

  it.each([
    [{ CONFIRM_WINDOW_DAYS: 'a week' }, 'CONFIRM_WINDOW_DAYS must be a number of days such as 7'],
    [{ CONFIRM_WINDOW_DAYS: '0' }, 'CONFIRM_WINDOW_DAYS must be more than 0 (the default is 7)'],
    [{ REMIND_PARENT_AT: '7pm' }, 'REMIND_PARENT_AT must be a time of day such as 19:30'],
    [{ REMIND_PARENT_AT: '24:00' }, 'REMIND_PARENT_AT must be a time of day such as 19:30'],
    [{ REMIND_MAX_ROUNDS: '1.5' }, 'REMIND_MAX_ROUNDS must be a whole number such as 2'],
    [{ REMIND_MAX_ROUNDS: '9' }, 'REMIND_MAX_ROUNDS must be at most 7'],
    [{ COVERAGE_TARGET_PCT: '120' }, 'COVERAGE_TARGET_PCT must be between 1 and 100 (the default is 100)'],
    [{ COVERAGE_TARGET_PCT: 'all' }, 'COVERAGE_TARGET_PCT must be a percentage such as 100'],
  ])('refuses %o with the sentence that says how to fix it', (env, sentence) => {
    expect(problems(env)).toEqual([sentence]);
  });

  it('reads the ledger settings from .env too, the environment winning (the README promises it)', () => {
    const { settings } = loadSettings({ REMIND_WORK_AT: '15:00' }, { CONFIRM_WINDOW_DAYS: '3', REMIND_PARENT_AT: '20:00', REMIND_WORK_AT: '09:00' });
    expect(settings.ledger).toMatchObject({ windowMs: 3 * 86_400_000, remindParentAt: '20:00', remindWorkAt: '15:00' });
    expect(problems({}, { REMIND_MAX_ROUNDS: 'many' })).toEqual(['REMIND_MAX_ROUNDS must be a whole number such as 2']);
  });

  it('reports the problems of every part at once: environment, ledger, relay file, sources file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'settings-'));
    const relayFile = path.join(dir, 'relay.yml');
    fs.writeFileSync(relayFile, fs.readFileSync('content/relay.yml', 'utf8').replace('dailyCap: 400', 'dailyCap: -1'));
    const sourcesFile = path.join(dir, 'more.yml');
    fs.writeFileSync(sourcesFile, 'pollMinutes: 1\n');
    const all = problems({ COVERAGE_TARGET_PCT: '0', SOURCES_FILE: sourcesFile }, {}, { relayFile });
    expect(all).toHaveLength(3);
    expect(all[0]).toBe('COVERAGE_TARGET_PCT must be between 1 and 100 (the default is 100)');
    expect(all[1]).toBe(`${relayFile}: sending.dailyCap sending.dailyCap must be above 0`);
    expect(all[2]).toMatch(new RegExp(`the sources file ${sourcesFile} is invalid: pollMinutes`));
    // The environment's own problems come first (the sources file is named by it, so it waits for a good one).
    expect(problems({ HTTP_PORT: 'eighty', REMIND_WORK_AT: '4pm' })).toEqual([
      'HTTP_PORT must be a port number such as 8080, in decimal digits (0 turns the dashboard off)',
      'REMIND_WORK_AT must be a time of day such as 19:30',
    ]);
    fs.rmSync(dir, { recursive: true });
  });
});
