import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { formatCoverage, formatPosts, parseSince, registerLedger } from '../../bot/cli/ledger.ts';
import { insertConfirmations } from '../../bot/ledger/confirm.ts';
import { coverageByPost, postsOverview } from '../../bot/ledger/coverage.ts';
import { UserError } from '../../bot/errors.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';
import { account, deliver, group, post, REF_TIME, unit } from '../helpers/ledger-fixture.ts';

let db: TestDb;
let p: { id: number; code: string };
let other: { id: number; code: string };
const ids: Record<string, number> = {};
const t0 = new Date(REF_TIME);
const at = (min: number) => new Date(t0.getTime() + min * 60_000);

// county → school → [kind, members, confirmed]
const WORLD: [string, [string, [string, 'work' | 'parent', number, number][]][]][] = [
  ['钦南区教育局', [
    ['钦南区示例实验小学', [['实验小学教师群', 'work', 30, 30], ['实验小学一(1)班家长群', 'parent', 40, 36], ['实验小学一(2)班家长群', 'parent', 40, 40]]],
    ['钦南区示例第一中学', [['一中教师群', 'work', 50, 45], ['一中初一(3)班家长群', 'parent', 50, 20]]],
  ]],
  ['灵山县教育局', [
    ['灵山县示例城东小学', [['城东小学教师群', 'work', 20, 20], ['城东小学四(1)班家长群', 'parent', 45, 45]]],
  ]],
  ['浦北县教育局', [
    ['浦北县示例中心小学', [['中心小学教师群', 'work', 25, 10], ['中心小学二(2)班家长群', 'parent', 38, 0]]],
  ]],
];

beforeAll(async () => {
  db = await freshDb();
  const pool = db.pool;
  const accountId = await account(pool);
  ids.city = await unit(pool, '钦州市教育局', 'city', null, null);
  p = await post(pool, { title: '警惕刷单返利诈骗' });
  other = await post(pool, { title: '冒充客服退款诈骗', capturedAt: at(-3 * 24 * 60) });
  const cityGroup = await group(pool, db.ledgerSecret, { kind: 'work', unitId: ids.city, accountId, topic: '市教育局机关群', roomId: 'r-city', owner: '局办', members: 12 });
  await deliver(pool, { postId: p.id, groupId: cityGroup, accountId, sentAt: t0, members: 12 });
  // 13 confirmations for 12 members (a nickname changed): coverage is capped at 100%.
  await insertConfirmations(pool, Array.from({ length: 13 }, (_, i) => ({ groupId: cityGroup, memberKey: `k${i}`, at: at(5 + i), general: true, codes: [], words: [], via: 'code' as const })), 7 * 86_400_000);
  let room = 0;
  for (const [county, schools] of WORLD) {
    ids[county] = await unit(pool, county, 'county', ids.city, null);
    for (const [school, groups] of schools) {
      ids[school] = await unit(pool, school, 'school', ids[county], ids[county]);
      for (const [topic, kind, members, confirmed] of groups) {
        const g = await group(pool, db.ledgerSecret, { kind, unitId: ids[school], accountId, topic, roomId: `r${++room}`, owner: '老师', members });
        ids[topic] = g;
        await deliver(pool, { postId: p.id, groupId: g, accountId, sentAt: t0, members });
        await insertConfirmations(
          pool,
          Array.from({ length: confirmed }, (_, i) => ({ groupId: g, memberKey: `m${i}`, at: at(10 + room + i), general: true, codes: [], words: [], via: 'code' as const })),
          7 * 86_400_000,
        );
      }
    }
  }
  // A planned delivery not sent yet counts in `posts` as pending, not in coverage.
  await deliver(pool, { postId: other.id, groupId: ids['一中教师群'], accountId, sentAt: t0, members: 50, status: 'pending' });
});
afterAll(async () => db.drop());

describe('coverage by post', () => {
  it('rolls up by county, worst first, with the city total', async () => {
    const c = await coverageByPost(db.pool, { postCode: p.code, by: 'county' });
    expect(c.rows.map((r) => [r.name, r.groups, r.members, r.confirmed, r.pct])).toEqual([
      ['浦北县教育局', 2, 63, 10, 15.9],
      ['钦南区教育局', 5, 210, 171, 81.4],
      ['市本级', 1, 12, 12, 100], // ties by name
      ['灵山县教育局', 2, 65, 65, 100],
    ]);
    expect(c.total).toMatchObject({ groups: 10, members: 350, confirmed: 258, pct: 73.7 });
    expect(c.total.firstAt).toEqual(at(5));
  });

  it('by school and by group, within a scope, below a target; no member names anywhere', async () => {
    const s = await coverageByPost(db.pool, { postCode: p.code, by: 'school', scope: { countyId: ids['钦南区教育局'] } });
    expect(s.rows.map((r) => [r.name, r.county, r.members, r.confirmed, r.pct])).toEqual([
      ['钦南区示例第一中学', '钦南区教育局', 100, 65, 65],
      ['钦南区示例实验小学', '钦南区教育局', 110, 106, 96.4],
    ]);
    const g = await coverageByPost(db.pool, { postCode: p.code, by: 'group', belowPct: 100 });
    expect(g.rows.map((r) => [r.name, r.kind, r.pct])).toEqual([
      ['中心小学二(2)班家长群', 'parent', 0],
      ['一中初一(3)班家长群', 'parent', 40],
      ['中心小学教师群', 'work', 40],
      ['一中教师群', 'work', 90],
      ['实验小学一(1)班家长群', 'parent', 90],
    ]);
    expect(g.total.groups).toBe(10); // the total covers the whole scope, not only the rows listed
    const worst = await coverageByPost(db.pool, { postCode: p.code, by: 'group', belowPct: 100, limit: 2 });
    expect(worst.rows.map((r) => r.name)).toEqual(['中心小学二(2)班家长群', '一中初一(3)班家长群']);
    expect(worst.total.groups).toBe(10);
    const one = await coverageByPost(db.pool, { postCode: p.code.toLowerCase(), by: 'group', scope: { schoolId: ids['灵山县示例城东小学'] } });
    expect(one.rows.map((r) => r.name)).toEqual(['城东小学四(1)班家长群', '城东小学教师群']);
    expect(JSON.stringify([s, g, one])).not.toMatch(/m\d+|k\d+/); // member keys do not leave the database
  });

  it('keeps the per-unit roll-up equal to a recount through status, member and counter changes', async () => {
    const recount = `SELECT d.post_id, g.org_unit_id, count(*)::int AS groups, sum(coalesce(d.members_at_send, 0))::int AS members,
                            sum(least(d.confirmed, coalesce(d.members_at_send, 0)))::int AS confirmed
                       FROM delivery d JOIN chat_group g ON g.id = d.group_id WHERE d.status = 'sent'
                      GROUP BY 1, 2 ORDER BY 1, 2`;
    const rollup = `SELECT post_id, org_unit_id, groups, members, confirmed FROM coverage_unit WHERE groups <> 0 OR members <> 0 OR confirmed <> 0 ORDER BY 1, 2`;
    const g = ids['一中教师群'];
    await db.pool.query(`UPDATE delivery SET status = 'sent', members_at_send = 48, confirmed = 3 WHERE post_id = $1 AND group_id = $2`, [other.id, g]);
    await db.pool.query(`UPDATE delivery SET members_at_send = members_at_send + 1 WHERE post_id = $1`, [p.id]);
    await db.pool.query(`UPDATE delivery SET status = 'failed' WHERE post_id = $1 AND group_id = $2`, [p.id, ids['中心小学教师群']]);
    expect((await db.pool.query(rollup)).rows).toEqual((await db.pool.query(recount)).rows);
    // Undo, and the roll-up follows.
    await db.pool.query(`UPDATE delivery SET status = 'sent' WHERE post_id = $1 AND group_id = $2`, [p.id, ids['中心小学教师群']]);
    await db.pool.query(`UPDATE delivery SET members_at_send = members_at_send - 1 WHERE post_id = $1`, [p.id]);
    await db.pool.query(`UPDATE delivery SET status = 'pending', members_at_send = NULL, confirmed = 0 WHERE post_id = $1 AND group_id = $2`, [other.id, g]);
    expect((await db.pool.query(rollup)).rows).toEqual((await db.pool.query(recount)).rows);
    expect((await coverageByPost(db.pool, { postCode: p.code, by: 'county' })).total).toMatchObject({ groups: 10, members: 350, confirmed: 258 });
  });

  it('says which code is unknown', async () => {
    await expect(coverageByPost(db.pool, { postCode: 'F999999', by: 'county' })).rejects.toThrow(UserError);
    await expect(coverageByPost(db.pool, { postCode: 'F999999', by: 'county' })).rejects.toThrow('no post has the code F999999 — list them with `antifraud posts`');
  });

  it('formats a readable table with Chinese headers, percentages and totals', async () => {
    const c = await coverageByPost(db.pool, { postCode: p.code, by: 'county' });
    expect(formatCoverage(c)).toBe(
      [
        `${p.code}《警惕刷单返利诈骗》 按县区统计`,
        '',
        '县区          群数  应确认  已确认  覆盖率  首次确认     最近确认',
        '------------  ----  ------  ------  ------  -----------  -----------',
        '浦北县教育局     2      63      10   15.9%  03-02 12:18  03-02 12:27',
        '钦南区教育局     5     210     171   81.4%  03-02 12:11  03-02 12:58',
        '市本级           1      12      12    100%  03-02 12:05  03-02 12:17',
        '灵山县教育局     2      65      65    100%  03-02 12:16  03-02 13:01',
        '合计            10     350     258   73.7%  03-02 12:05  03-02 13:01',
      ].join('\n'),
    );
  });

  it('lists posts with their overall coverage', async () => {
    const rows = await postsOverview(db.pool);
    expect(rows.map((r) => [r.code, r.groups, r.pending, r.members, r.confirmed, r.pct])).toEqual([
      [p.code, 10, 0, 350, 258, 73.7],
      [other.code, 0, 1, 0, 0, null],
    ]);
    expect((await postsOverview(db.pool, { since: parseSince('2026-03-01') })).map((r) => r.code)).toEqual([p.code]);
    expect(formatPosts(rows).split('\n')[0]).toBe('编号  标题              采集时间     已送达群  待发送  应确认  已确认  覆盖率');
    expect(() => parseSince('3月1日')).toThrow('--since must be a date such as 2026-03-01 (got "3月1日")');
    expect(parseSince('2026-03-01').toISOString()).toBe('2026-02-28T16:00:00.000Z');
  });
});

describe('antifraud coverage / posts (CLI)', () => {
  async function run(...args: string[]): Promise<{ out: string; err: string; code: number | undefined }> {
    const saved = { ...process.env };
    const out: string[] = [];
    const err: string[] = [];
    const so = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    const se = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
    process.env.DATABASE_URL = db.url;
    process.env.LEDGER_SECRET = db.ledgerSecret;
    process.env.LOG_LEVEL = 'silent';
    process.exitCode = undefined;
    try {
      const program = new Command('antifraud').exitOverride();
      registerLedger(program);
      await program.parseAsync(['node', 'antifraud', ...args]);
      return { out: out.join(''), err: err.join(''), code: process.exitCode as number | undefined };
    } finally {
      so.mockRestore();
      se.mockRestore();
      process.env = saved;
      process.exitCode = undefined;
    }
  }

  it('prints the table for a multi-county post', async () => {
    const r = await run('coverage', p.code, '--by', 'school', '--below', '100');
    expect(r.err).toBe('');
    expect(r.out).toBe(
      [
        `${p.code}《警惕刷单返利诈骗》 按单位统计(仅列出覆盖率低于 100% 的)`,
        '',
        '单位                县区          群数  应确认  已确认  覆盖率  首次确认     最近确认',
        '------------------  ------------  ----  ------  ------  ------  -----------  -----------',
        '浦北县示例中心小学  浦北县教育局     2      63      10   15.9%  03-02 12:18  03-02 12:27',
        '钦南区示例第一中学  钦南区教育局     2     100      65     65%  03-02 12:14  03-02 12:58',
        '钦南区示例实验小学  钦南区教育局     3     110     106   96.4%  03-02 12:11  03-02 12:52',
        '合计                                10     350     258   73.7%  03-02 12:05  03-02 13:01',
        '',
      ].join('\n'),
    );
  });

  it('prints JSON, and polite errors for bad input', async () => {
    const j = JSON.parse((await run('coverage', p.code, '--by', 'group', '--json')).out);
    expect(j.total).toMatchObject({ groups: 10, members: 350, confirmed: 258 });
    expect(j.rows).toHaveLength(10);
    const bad = await run('coverage', p.code, '--by', 'class');
    expect(bad).toMatchObject({ out: '', code: 1 });
    expect(bad.err).toBe('antifraud: --by 只能是 county、school 或 group\n');
    // The CLI speaks Chinese first, like its tables (issue 11: "no post has the code F102" was English).
    const unknown = await run('coverage', 'F424242');
    expect(unknown.err).toBe('antifraud: 没有编号为 F424242 的推送。用 `antifraud posts` 查看全部推送及其编号。\n');
    const since = await run('posts', '--since', 'yesterday');
    expect(since.err).toBe('antifraud: --since 需要一个日期,例如 2026-03-01(收到的是"yesterday")。\n');
    const posts = await run('posts', '--since', '2026-03-01');
    expect(posts.out.split('\n')[2]).toMatch(new RegExp(`^${p.code} +警惕刷单返利诈骗 +03-02 12:00 +10 +0 +350 +258 +73.7%$`));
  });
});
