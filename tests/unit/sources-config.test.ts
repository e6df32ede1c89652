import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../bot/config.ts';
import { SetupError } from '../../bot/errors.ts';
import { loadSources } from '../../bot/sources/config.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sources-'));
const file = (name: string, text: string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};

describe('SOURCES_FILE', () => {
  it.each([
    [{}, undefined],
    [{ SOURCES_FILE: '' }, undefined],
    [{ SOURCES_FILE: file('ok.yml', 'feeds: []\n') }, path.join(dir, 'ok.yml')],
  ])('accepts %o', (env, expected) => expect(loadConfig(env as Record<string, string>).sourcesFile).toBe(expected));

  it('refuses a file that does not exist, saying how to fix it', () => {
    try {
      loadConfig({ SOURCES_FILE: '/nowhere/sources.yml' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toEqual([
        'SOURCES_FILE names a file that does not exist — give the path of a YAML file like content/sources.yml, or unset it',
      ]);
    }
  });
});

describe('loadSources', () => {
  it('has the national and city channels by default', () => {
    const s = loadSources();
    expect(s.channels.map((c) => c.name)).toEqual(expect.arrayContaining(['国家反诈中心', '钦州反诈']));
    expect(s.feeds).toEqual([]);
  });

  it('adds the extra file\'s channels, feeds and admins (once each)', () => {
    const f = file('extra.yml', 'channels:\n  - name: 国家反诈中心\n  - name: 灵山县反诈\n    scope: local\nfeeds:\n  - url: https://rss.example.org/qz\n    name: 钦州反诈(镜像)\nadmins: [陈科长]\npollMinutes: 15\n');
    const s = loadSources(f);
    expect(s.channels.filter((c) => c.name === '国家反诈中心')).toHaveLength(1);
    expect(s.channels.at(-1)).toEqual({ name: '灵山县反诈', scope: 'local' });
    expect(s.feeds).toEqual([{ url: 'https://rss.example.org/qz', name: '钦州反诈(镜像)', scope: 'city' }]);
    expect(s.admins).toEqual(['陈科长']);
    expect(s.pollMinutes).toBe(15);
  });

  it.each([
    ['feeds:\n  - url: ftp://x.org/feed\n', /feeds.0.url: a feed url must start with http/],
    ['channels:\n  - scope: city\n', /channels.0.name/],
    ['pollMinutes: 1\n', /pollMinutes must be at least 5/],
    ['feeds: [unclosed\n', /cannot read the sources file .* fix the YAML or unset SOURCES_FILE/],
  ])('refuses %j with a clear message', (text, message) => {
    const f = file(`bad-${Math.random()}.yml`, text);
    expect(() => loadSources(f)).toThrow(SetupError);
    expect(() => loadSources(f)).toThrow(message);
  });
});
