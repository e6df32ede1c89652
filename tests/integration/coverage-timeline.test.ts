// GET /api/coverage/timeline: coverage per day / per post for the token's scope and one level down,
// with groups of unknown size and staff apart, and the by=group coverage pages.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../bot/clock.ts';
import { buildServer } from '../../bot/http/server.ts';
import { createLogger } from '../../bot/log.ts';
import { AT, bureauWorld, TEACHER_NAMES } from '../helpers/bureau-world.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';

let db: TestDb;
let app: FastifyInstance;
let w: Awaited<ReturnType<typeof bureauWorld>>;
let extra: { code: string };

beforeAll(async () => {
  db = await freshDb();
  w = await bureauWorld(db.prisma);
  // One more post on 11-12 (Qinzhou time): the 灵山 group's member list could not be read at send
  // (unknown size, 3 replies), the 钦南 parent group had its teacher and 2 staff present.
  const local = await db.prisma.source.findFirstOrThrow({ where: { name: '钦州反诈中心' } });
  const p = await w.f.post(local, { title: '冒充客服退款诈骗', capturedAt: new Date('2026-11-11T17:30:00Z') });
  await w.f.delivery(p, w.groups.b1p1, { members: null, confirmed: 3, sentAt: new Date('2026-11-11T18:00:00Z') });
  await w.f.delivery(p, w.groups.a1p1, { members: 40, staff: 3, confirmed: 20, sentAt: new Date('2026-11-11T18:00:00Z') });
  extra = p;
  app = buildServer({ db, clock: fixedClock(AT), log: createLogger({ level: 'silent' }), config: { timeZone: 'Asia/Shanghai' } });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await db.drop();
});

async function get(url: string, token: string) {
  const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
  return { status: res.statusCode, body: res.json() };
}

const pctOf = (v: { pct: number | null } | null) => (v ? v.pct : null);

describe('coverage timeline', () => {
  it('gives the city per day of capture (Qinzhou dates) and each county, worst first', async () => {
    const r = await get('/api/coverage/timeline', w.tokens.bureau);
    expect(r.status).toBe(200);
    expect(r.body.level).toBe('county');
    expect(r.body.timeZone).toBe('Asia/Shanghai');
    // 11-11 17:30Z is 11-12 01:30 in Qinzhou.
    expect(r.body.points.map((p: { key: string; posts: number }) => [p.key, p.posts])).toEqual([
      ['2026-11-05', 1], ['2026-11-06', 1], ['2026-11-10', 1], ['2026-11-12', 1],
    ]);
    // 11-05 letter: 40/40 + 30/15; 11-06 attestation 50/45; 11-10 post 50/50 + 40/30 + 30/30; 11-12: 40/20 (+ one group of unknown size).
    expect(r.body.total.values.map(pctOf)).toEqual([78.6, 90, 91.7, 50]);
    expect(r.body.total.values[3]).toMatchObject({ members: 40, confirmed: 20, groupsUnknownSize: 1, confirmedUnknownSize: 3, staff: 3 });
    expect(r.body.series.map((s: { name: string }) => s.name)).toEqual(['灵山县教育局', '钦南区教育局']);
    const [lingshan, qinnan] = r.body.series;
    expect(lingshan.values).toEqual([50, null, 100, null]); // 11-12: only a group of unknown size
    expect(lingshan.total).toMatchObject({ members: 60, confirmed: 45, pct: 75, groupsUnknownSize: 1 });
    expect(lingshan.below).toBe(true);
    expect(qinnan.values).toEqual([100, 90, 88.9, 50]);
    expect(qinnan.total).toMatchObject({ members: 220, confirmed: 185, pct: 84.1, staff: 3 });
    expect(r.body.total.total).toMatchObject({ members: 280, confirmed: 230, pct: 82.1, groupsUnknownSize: 1, confirmedUnknownSize: 3, staff: 3 });
  });

  it('gives a county its schools per post, and refuses another county', async () => {
    const r = await get('/api/coverage/timeline?by=post', w.tokens.qinnan);
    expect(r.status).toBe(200);
    expect(r.body.level).toBe('school');
    expect(r.body.points.map((p: { key: string; label: string }) => p.label)).toEqual(['致全市中小学生家长的一封信', '请安装国家反诈中心APP', '警惕刷单返利诈骗', '冒充客服退款诈骗']);
    expect(r.body.points.map((p: { key: string }) => p.key)).toEqual([w.letter.code, w.attest.code, w.post.code, extra.code]);
    expect(r.body.series.map((s: { name: string }) => s.name)).toEqual(['钦南区第一小学']);
    expect(JSON.stringify(r.body)).not.toContain('灵山');
    const other = await get(`/api/coverage/timeline?county=${w.units.lingshan.id}`, w.tokens.qinnan);
    expect(other.status).toBe(403);
  });

  it('gives a school its groups, with no teacher names', async () => {
    const r = await get('/api/coverage/timeline', w.tokens.a1);
    expect(r.body.level).toBe('group');
    expect(r.body.series.map((s: { name: string; total: { pct: number } }) => [s.name, s.total.pct])).toEqual([['一年级1班家长群', 75], ['钦南一小工作群', 95]]);
    const text = JSON.stringify(r.body);
    for (const n of TEACHER_NAMES) expect(text).not.toContain(n);
  });

  it('takes a window of days (the to day included) and refuses bad ones politely', async () => {
    const r = await get('/api/coverage/timeline?from=2026-11-06&to=2026-11-10', w.tokens.bureau);
    expect(r.body.points.map((p: { key: string }) => p.key)).toEqual(['2026-11-06', '2026-11-10']);
    for (const [q, msg] of [
      ['by=week', 'by must be day or post'],
      ['from=2026-13-01', 'from must be a date like 2026-11-01'],
      ['from=2026-11-10&to=2026-11-01', 'from must be before to'],
      ['from=2024-01-01&to=2026-11-01', 'the window is at most 400 days'],
    ] as const) {
      const bad = await get(`/api/coverage/timeline?${q}`, w.tokens.bureau);
      expect(bad.status, q).toBe(400);
      expect(bad.body.error.message, q).toContain(msg);
    }
  });
});

describe('coverage by group is paged', () => {
  it('gives the worst groups a page at a time with the number of groups', async () => {
    const first = await get(`/api/posts/${w.post.code}/coverage?by=group&pageSize=2`, w.tokens.bureau);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ page: 1, pageSize: 2, rowsTotal: 3 });
    expect(first.body.rows.map((r: { name: string }) => r.name)).toEqual(['一年级1班家长群', '钦南一小工作群']); // ties (100%) in group order
    const second = await get(`/api/posts/${w.post.code}/coverage?by=group&pageSize=2&page=2`, w.tokens.bureau);
    expect(second.body.rows.map((r: { name: string }) => r.name)).toEqual(['城东三年级家长群']);
    expect(second.body.totals.members).toBe(120);
  });
});
