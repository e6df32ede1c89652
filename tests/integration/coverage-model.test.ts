// One ledger, every surface: the CLI (`antifraud coverage` / `posts`), the bureau API, the reports,
// #统计's per-group numbers and the per-unit roll-up table all give the same coverage — including a
// delivery whose member count is unknown (members_at_send NULL) and staff shown apart (issue 11).
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../bot/clock.ts';
import { buildServer } from '../../bot/http/server.ts';
import { coverageByPost, coverageInWindow, groupCoverage, postsOverview, sumTotals, type CoverageTotals } from '../../bot/ledger/coverage.ts';
import { createLogger } from '../../bot/log.ts';
import { generateReport } from '../../bot/reports/generate.ts';
import { AT, bureauWorld } from '../helpers/bureau-world.ts';
import { runCli } from '../helpers/cli.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';

let db: TestDb;
let app: FastifyInstance;
let w: Awaited<ReturnType<typeof bureauWorld>>;
let unsized: { id: number };

// The numbers every surface must show for w.post: a1work 50/50, a1p1 40/30 (2 staff not counted),
// b1p1 30/30, the new group of unknown size with 7 confirmations; a2p1 failed, d1p1 unknown outcome.
const EXPECTED = { groups: 4, deliveries: 4, members: 120, confirmed: 110, pct: 91.7, groupsUnknownSize: 1, confirmedUnknownSize: 7, staff: 2 };

const numbers = (t: CoverageTotals) => ({
  groups: t.groups,
  deliveries: t.deliveries,
  members: t.members,
  confirmed: t.confirmed,
  pct: t.pct,
  groupsUnknownSize: t.groupsUnknownSize,
  confirmedUnknownSize: t.confirmedUnknownSize,
  staff: t.staff,
});

beforeAll(async () => {
  db = await freshDb();
  w = await bureauWorld(db.prisma);
  // Staff present in a parent group at send, and a group whose member list could not be read.
  await db.prisma.delivery.update({ where: { postId_groupId: { postId: w.post.id, groupId: w.groups.a1p1.id } }, data: { staffAtSend: 2 } });
  const g = await w.f.group(w.units.b1, w.bot, { topic: '城东四年级家长群', className: '四年级1班' });
  unsized = g;
  await w.f.delivery(w.post, g, { members: null, confirmed: 7, sentAt: new Date('2026-11-10T02:05:00Z') });
  app = buildServer({ db, clock: fixedClock(AT), log: createLogger({ level: 'silent' }), config: { timeZone: 'Asia/Shanghai' } });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await db.drop();
});

async function api(url: string) {
  const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${w.tokens.bureau}` } });
  expect(res.statusCode).toBe(200);
  return res.json();
}

describe('one coverage model', () => {
  it('the ledger functions: totals, and every level sums to them', async () => {
    for (const by of ['county', 'school', 'group'] as const) {
      const c = await coverageByPost(db.pool, { postCode: w.post.code, by });
      expect(numbers(c.total)).toEqual(EXPECTED);
      const { firstAt, lastAt, ...summed } = sumTotals(c.rows);
      expect({ ...summed, groups: c.rows.reduce((n, r) => n + r.groups, 0) }).toEqual({ ...EXPECTED, groups: 4 });
      expect([firstAt, lastAt]).toEqual([c.total.firstAt, c.total.lastAt]);
    }
    const byGroup = await coverageByPost(db.pool, { postCode: w.post.code, by: 'group' });
    const row = byGroup.rows.find((r) => r.id === unsized.id)!;
    // Unknown size: not a percentage, not "below", listed first, its confirmations shown apart.
    expect(row).toMatchObject({ members: 0, confirmed: 0, pct: null, below: false, groupsUnknownSize: 1, confirmedUnknownSize: 7 });
    expect(byGroup.rows[0].id).toBe(unsized.id);
  });

  it('the per-unit roll-up (trigger) equals the recount over deliveries', async () => {
    const window = { from: new Date('2026-11-09T00:00:00Z'), to: new Date('2026-11-11T00:00:00Z') }; // w.post only
    for (const by of ['county', 'school'] as const) {
      const rollup = await coverageByPost(db.pool, { postCode: w.post.code, by });
      const recount = await coverageInWindow(db.pool, { window, by });
      const key = (rows: typeof recount.rows) => rows.map((r) => [r.name, numbers(r)]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
      expect(key(rollup.rows)).toEqual(key(recount.rows));
      expect(numbers(recount.totals)).toEqual(EXPECTED);
    }
  });

  it('the CLI prints the same numbers, and says what is unknown', { timeout: 60_000 }, async () => {
    const json = await runCli(db, ['coverage', w.post.code, '--json']);
    expect(json.code).toBe(0);
    expect(numbers(JSON.parse(json.stdout).total)).toEqual(EXPECTED);
    const posts = await runCli(db, ['posts', '--json']);
    const listed = JSON.parse(posts.stdout).find((p: { code: string }) => p.code === w.post.code);
    expect(numbers(listed)).toEqual(EXPECTED);
    expect(listed).toMatchObject({ failed: 1, unknown: 1, pending: 0 });
    const table = await runCli(db, ['coverage', w.post.code, '--by', 'school']);
    expect(table.stdout).toContain('1 个群送达时人数未知:不计入应确认和覆盖率,这些群另有 7 人确认');
    expect(table.stdout).toContain('班主任和学校教职工(共 2 人次)不计入应确认');
    expect(table.stdout).toMatch(/合计\s+4\s+120\+1群\?\s+110\s+91\.7%/);
  });

  it('the API: the post list, the post and its coverage at every level', async () => {
    const list = await api(`/api/posts?code=${w.post.code}`);
    expect(numbers(list.items[0].coverage)).toEqual(EXPECTED);
    const one = await api(`/api/posts/${w.post.code}`);
    expect(numbers(one.coverage)).toEqual(EXPECTED);
    expect(one.coverage).toMatchObject({ failed: 1, unknown: 1, pending: 0 });
    for (const by of ['county', 'school', 'group']) {
      const c = await api(`/api/posts/${w.post.code}/coverage?by=${by}`);
      expect(numbers(c.totals)).toEqual(EXPECTED);
    }
    const overview = (await postsOverview(db.pool)).find((p) => p.code === w.post.code)!;
    expect(numbers(overview)).toEqual(EXPECTED);
  });

  it('the CSV export: the same totals, with unknown sizes and staff in their own columns', async () => {
    for (const by of ['county', 'group']) {
      const res = await app.inject({ method: 'GET', url: `/api/posts/${w.post.code}/coverage/export?format=csv&by=${by}`, headers: { authorization: `Bearer ${w.tokens.bureau}` } });
      expect(res.statusCode).toBe(200);
      const lines = res.body.replace(/^\uFEFF/, '').trim().split('\r\n').map((l) => l.split(','));
      const total = lines.at(-1)!;
      expect(total.slice(-6)).toEqual([String(EXPECTED.confirmed), String(EXPECTED.pct), '', String(EXPECTED.groupsUnknownSize), String(EXPECTED.confirmedUnknownSize), String(EXPECTED.staff)]);
      expect(total[by === 'group' ? 3 : 2]).toBe(String(EXPECTED.members));
      // The group of unknown size: no members, nothing in the percentage, its 7 confirmations apart.
      if (by === 'group') expect(lines.find((l) => l[0] === '城东四年级家长群')?.slice(3)).toEqual(['未知', '0', '', '', '1', '7', '0']);
    }
  });

  it('#统计 (a group\'s coverage) equals the group rows', async () => {
    const rows = (await coverageByPost(db.pool, { postCode: w.post.code, by: 'group' })).rows;
    expect(rows).toHaveLength(4);
    for (const r of rows) {
      const mine = (await groupCoverage(db.pool, r.id!, new Date('2026-11-01T00:00:00Z'))).find((p) => p.postId === w.post.id)!;
      if (r.groupsUnknownSize) expect([mine.members, mine.confirmed, mine.pct]).toEqual([null, r.confirmedUnknownSize, null]);
      else expect([mine.members, mine.confirmed, mine.pct]).toEqual([r.members, r.confirmed, r.pct]);
    }
  });

  it('a report over the month sums the same per-post numbers', async () => {
    const report = await generateReport({ db, clock: fixedClock('2026-11-23T00:00:00Z') }, 'monthly', '2026-11', w.units.city.id, { refresh: true });
    const perPost = await Promise.all([w.post, w.letter, w.attest].map(async (p) => (await coverageByPost(db.pool, { postCode: p.code, by: 'county' })).total));
    const expected = numbers(sumTotals(perPost));
    expect({ ...numbers(report.data.coverage), groups: expected.groups }).toEqual(expected); // groups: distinct over the month
    expect(report.data.coverage.groups).toBe(4); // a1work, a1p1, b1p1 and the unsized group
    const counties = report.data.units;
    expect(numbers(sumTotals(counties))).toMatchObject({ members: expected.members, confirmed: expected.confirmed, groupsUnknownSize: 1, confirmedUnknownSize: 7 });
  });
});
