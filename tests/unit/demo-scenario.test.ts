import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../bot/errors.ts';
import { loadScenario, parseScenario, resolveTime, scenarioEnd } from '../../bot/demo/scenario.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const small = () => JSON.parse(fs.readFileSync(path.join(ROOT, 'tests/fixtures/scenarios/small.json'), 'utf8'));

function problems(value: unknown): string[] {
  try {
    parseScenario(value);
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message.split('\n').slice(1).map((l) => l.trim());
  }
  throw new Error('expected the scenario to be refused');
}

describe('scenario files', () => {
  it('accepts the default scenario, which has the shape the plan asks for', () => {
    const s = loadScenario(path.join(ROOT, 'content/scenarios/default.json'));
    expect(s.days).toBeGreaterThanOrEqual(7);
    expect(s.accounts.length).toBeGreaterThanOrEqual(2);
    expect(s.groups.length).toBeGreaterThanOrEqual(20);
    const units = fs.readFileSync(path.join(ROOT, 'content/org/qinzhou-sample.csv'), 'utf8');
    const counties = new Set(s.groups.map((g) => units.split('\n').find((l) => l.split(',')[1] === g.unit)?.split(',')[0]));
    expect([...counties].filter(Boolean).length).toBeGreaterThanOrEqual(5);
    expect(s.channels.map((c) => c.scope).sort()).toEqual(['city', 'national']);
    expect(s.faults.map((f) => f.type).sort()).toEqual(['remove', 'throttle']);
  });

  it('accepts the test fixtures', () => {
    for (const f of fs.readdirSync(path.join(ROOT, 'tests/fixtures/scenarios'))) {
      expect(() => loadScenario(path.join(ROOT, 'tests/fixtures/scenarios', f)), f).not.toThrow();
    }
  });

  it.each([
    ['members that are neither a count nor names', (s: any) => (s.groups[3].members = 'lots'), 'scenario.groups[3].members: expected a number or a list of names'],
    ['an unknown account', (s: any) => (s.groups[0].account = 'relay-z'), 'scenario.groups[0].account: no bot account named relay-z (accounts: relay-a, relay-b)'],
    ['a bad time', (s: any) => (s.channels[0].posts[0].at = 'tomorrow'), 'scenario.channels[0].posts[0].at: expected a time such as "D2 19:30"'],
    ['a share above 1', (s: any) => (s.behaviour.confirmShare = 1.5), 'scenario.behaviour.confirmShare: confirmShare must be between 0 and 1'],
    ['a parent group without its class', (s: any) => delete s.groups[1].class, 'scenario.groups[1].class: a parent group needs its class name'],
    ['a fault of an unknown type', (s: any) => (s.faults[0] = { type: 'flood', at: 'D1 08:00' }), 'scenario.faults[0]'],
    ['a fault on a group that does not exist', (s: any) => (s.faults[1].group = '没有这个群'), 'scenario.faults[1].group: no group with the topic 没有这个群'],
    ['a misspelt field', (s: any) => (s.groups[0].memebrs = 3), 'scenario.groups[0]: '],
    ['two groups with one topic', (s: any) => (s.groups[1].topic = s.groups[0].topic), 'scenario.groups[1].topic: another group already has the topic 测试小学工作群'],
    ['a group in a unit that is not in the org tree', (s: any) => (s.groups[0].unit = '别的学校'), 'scenario.groups[0].unit: no unit named 别的学校 in scenario.org.units'],
    ['no accounts', (s: any) => (s.accounts = []), 'scenario.accounts: give at least one bot account'],
  ])('refuses %s, pointing at the field', (_what, change, expected) => {
    const s = small();
    change(s);
    const p = problems(s);
    expect(p.some((line) => line.startsWith(expected)), p.join('\n')).toBe(true);
  });

  it('reports every problem at once', () => {
    const s = small();
    s.groups[3].members = 'lots';
    s.days = 0;
    expect(problems(s).length).toBeGreaterThanOrEqual(2);
  });

  it('explains a file that is not JSON or missing', () => {
    const bad = path.join(ROOT, 'tests/fixtures/scenarios');
    expect(() => loadScenario(path.join(bad, 'nope.json'))).toThrow(/cannot read the scenario .*ENOENT/);
    expect(() => loadScenario(path.join(ROOT, 'content/locales/zh-CN/demo.yml'))).toThrow(/not valid JSON/);
  });

  it('resolves day-relative times in Beijing time', () => {
    const s = parseScenario(small());
    expect(resolveTime(s, 'D1 09:00').toISOString()).toBe('2026-03-02T01:00:00.000Z');
    expect(resolveTime(s, 'D2 19:30').toISOString()).toBe('2026-03-03T11:30:00.000Z');
    expect(resolveTime(s, '2026-03-02T10:00:00+08:00').toISOString()).toBe('2026-03-02T02:00:00.000Z');
    expect(scenarioEnd(s).toISOString()).toBe('2026-03-03T23:00:00.000Z');
  });
});
