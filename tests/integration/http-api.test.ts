import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../bot/clock.ts';
import { paging } from '../../bot/http/keyset.ts';
import { botStatusProvider, buildServer, startHttp } from '../../bot/http/server.ts';
import { createLogger } from '../../bot/log.ts';
import { generateReport } from '../../bot/reports/generate.ts';
import { AT, bureauWorld, TEACHER_NAMES } from '../helpers/bureau-world.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';

let db: TestDb;
let app: FastifyInstance;
let w: Awaited<ReturnType<typeof bureauWorld>>;
const clock = fixedClock(AT);

beforeAll(async () => {
  db = await freshDb();
  w = await bureauWorld(db.prisma);
  app = buildServer({ db, clock, log: createLogger({ level: 'silent' }), config: { timeZone: 'Asia/Shanghai' } });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await db.drop();
});

async function get(url: string, token?: string) {
  const res = await app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.statusCode, body: String(res.headers['content-type'] ?? '').includes('json') ? res.json() : res.body, raw: res };
}

function noTeacherNames(value: unknown) {
  const text = JSON.stringify(value);
  for (const n of TEACHER_NAMES) expect(text).not.toContain(n);
}

describe('authentication', () => {
  it.each([
    ['no header', undefined, 'sign in'],
    ['a wrong token', 'af_notARealToken', 'not valid'],
  ])('refuses %s with 401 and no data', async (_what, token, msg) => {
    const r = await get('/api/posts', token);
    expect(r.status).toBe(401);
    expect(Object.keys(r.body)).toEqual(['error']);
    expect(r.body.error.message).toContain(msg);
  });

  it('refuses a revoked token exactly like an unknown one', async () => {
    const revoked = await get(`/api/posts/${w.post.code}/coverage`, w.tokens.revoked);
    const unknown = await get(`/api/posts/${w.post.code}/coverage`, 'af_unknown');
    expect(revoked.status).toBe(401);
    expect(revoked.body).toEqual(unknown.body);
  });

  it('refuses a malformed Authorization header', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/me', headers: { authorization: 'Token abc' } });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.message).toBe('the Authorization header must be "Bearer <token>"');
  });

  it('says who the token is', async () => {
    expect((await get('/api/me', w.tokens.qinnan)).body).toEqual({ role: 'county', unit: { id: w.units.qinnan.id, name: '钦南区教育局', kind: 'county' }, timeZone: 'Asia/Shanghai' });
  });
});

describe('posts and coverage, scoped by role', () => {
  it('lists posts with their overall coverage for the bureau', async () => {
    const r = await get('/api/posts?source=国家', w.tokens.bureau);
    expect(r.status).toBe(200);
    expect(r.body.total).toBe(1);
    expect(r.body.items[0]).toMatchObject({ code: w.post.code, title: '警惕刷单返利诈骗', coverage: { groups: 3, members: 120, confirmed: 110, pct: 91.7, failed: 1, unknown: 1 } });
  });

  it('filters posts by date range and kind', async () => {
    expect((await get('/api/posts?from=2026-11-06&to=2026-11-11', w.tokens.bureau)).body.items.map((p: { title: string }) => p.title)).toEqual(['警惕刷单返利诈骗', '请安装国家反诈中心APP']);
    expect((await get('/api/posts?kind=letter', w.tokens.bureau)).body.total).toBe(1);
  });

  it('gives a county only its own numbers', async () => {
    const r = await get('/api/posts', w.tokens.lingshan);
    const p = r.body.items.find((x: { code: string }) => x.code === w.post.code);
    expect(p.coverage).toMatchObject({ members: 30, confirmed: 30, pct: 100, failed: 0, unknown: 0 });
    // The attestation went only to a Qinnan work group: Lingshan does not see it.
    expect(r.body.items.map((x: { code: string }) => x.code)).not.toContain(w.attest.code);
  });

  it('rolls coverage up by county with the below-target list', async () => {
    const r = await get(`/api/posts/${w.post.code}/coverage?by=county`, w.tokens.bureau);
    expect(r.body.totals).toMatchObject({ groups: 3, members: 120, confirmed: 110, pct: 91.7, groupsUnknownSize: 0 });
    expect(r.body.rows.map((x: { name: string; pct: number; below: boolean }) => [x.name, x.pct, x.below])).toEqual([
      ['钦南区教育局', 88.9, true], // worst first
      ['灵山县教育局', 100, false],
    ]);
    expect(r.body.below.map((x: { name: string }) => x.name)).toEqual(['钦南区教育局']);
    const lower = await get(`/api/posts/${w.post.code}/coverage?by=county&target=80`, w.tokens.bureau);
    expect(lower.body.below).toEqual([]);
  });

  it('drills down county → school → group', async () => {
    const schools = await get(`/api/posts/${w.post.code}/coverage?by=school&county=${w.units.qinnan.id}`, w.tokens.bureau);
    expect(schools.body.rows.map((x: { name: string }) => x.name)).toEqual(['钦南区第一小学']);
    const groups = await get(`/api/posts/${w.post.code}/coverage?by=group&school=${w.units.a1.id}`, w.tokens.bureau);
    expect(groups.body.rows.map((x: { name: string; pct: number }) => [x.name, x.pct])).toEqual([['一年级1班家长群', 75], ['钦南一小工作群', 100]]);
    noTeacherNames(groups.body);
  });

  it("refuses a county token another county's data with 403 and no data", async () => {
    for (const url of [
      `/api/posts/${w.post.code}/coverage?by=school&county=${w.units.lingshan.id}`,
      `/api/posts/${w.post.code}/coverage?by=group&school=${w.units.b1.id}`,
      `/api/posts/${w.post.code}/deliveries?school=${w.units.b1.id}`,
      `/api/groups?county=${w.units.lingshan.id}`,
    ]) {
      const r = await get(url, w.tokens.qinnan);
      expect(r.status, url).toBe(403);
      expect(Object.keys(r.body)).toEqual(['error']);
      expect(JSON.stringify(r.body)).not.toContain('灵山县城东');
    }
  });

  it("keeps a county token's roll-up to its own county", async () => {
    const r = await get(`/api/posts/${w.post.code}/coverage?by=school`, w.tokens.qinnan);
    expect(r.body.rows.map((x: { name: string }) => x.name)).toEqual(['钦南区第一小学']);
    expect(r.body.totals).toMatchObject({ members: 90, confirmed: 80 });
  });

  it('shows a school token only its school, even when it asks for the city', async () => {
    const r = await get(`/api/posts/${w.post.code}/coverage?by=county`, w.tokens.a1);
    expect(r.body.totals).toMatchObject({ members: 90, confirmed: 80 });
    const other = await get(`/api/posts/${w.post.code}/coverage?by=group&school=${w.units.a2.id}`, w.tokens.a1);
    expect(other.status).toBe(403);
  });

  it('lists failed and unknown deliveries, scoped', async () => {
    const all = await get(`/api/posts/${w.post.code}/deliveries?status=failed,unknown`, w.tokens.bureau);
    expect(all.body.counts).toEqual({ sent: 3, failed: 1, unknown: 1 });
    expect(all.body.items.map((d: { status: string; group: { topic: string }; error: string }) => [d.status, d.group.topic, d.error])).toEqual([
      ['failed', '初一2班家长群', 'throttled (1205)'],
      ['unknown', '高一1班家长群', 'timeout after say'],
    ]);
    noTeacherNames(all.body);
    const county = await get(`/api/posts/${w.post.code}/deliveries?status=failed,unknown`, w.tokens.qinnan);
    expect(county.body.items.map((d: { group: { topic: string } }) => d.group.topic)).toEqual(['初一2班家长群']);
  });

  it('names registrants only to the school itself', async () => {
    const school = await get('/api/groups', w.tokens.a1);
    expect(school.body.items.map((g: { registeredBy: string }) => g.registeredBy).sort()).toEqual(['张晓红老师', '李建国老师']);
    for (const token of [w.tokens.bureau, w.tokens.qinnan]) {
      const r = await get('/api/groups', token);
      expect(r.body.items.length).toBeGreaterThan(0);
      noTeacherNames(r.body);
    }
  });

  it('lists groups with their status', async () => {
    const r = await get('/api/groups', w.tokens.bureau);
    expect(r.body.counts).toEqual({ active: 3, paused: 1, ambiguous: 1 });
    expect((await get('/api/groups?status=ambiguous', w.tokens.bureau)).body.items.map((g: { topic: string }) => g.topic)).toEqual(['高一1班家长群']);
  });
});

describe('bad input', () => {
  it.each([
    ['/api/posts/F1/coverage?by=street', 400, 'by must be county, school or group'],
    ['/api/posts?pageSize=abc', 400, 'pageSize must be a whole number from 1 to 100'],
    ['/api/posts?page=0', 400, 'page must be a whole number from 1'],
    ['/api/posts?from=2026-13-45', 400, 'from must be a date like 2026-11-01'],
    ['/api/posts?kind=poem', 400, 'kind must be one of article'],
    ['/api/posts/F1%3B%20DROP%20TABLE%20post/coverage', 400, 'a post code looks like F123'],
    ['/api/posts/F99999999', 404, 'no post has the code F99999999'],
    ['/api/posts/F1/deliveries?status=lost', 400, 'status must be one or more of pending'],
    ['/api/groups?county=999999', 404, 'no county-level unit has id 999999'],
    ['/api/groups?county=1%20OR%201=1', 400, 'county must be a unit id'],
    ['/api/reports/abc', 400, 'a report id is a whole number'],
    ['/api/reports/424242', 404, 'no report has id 424242'],
    ['/api/nothing-here', 404, 'no such endpoint: GET /api/nothing-here'],
  ])('%s → %i', async (url, status, msg) => {
    const r = await get(url.replace('F1', w.post.code), w.tokens.bureau);
    expect(r.status).toBe(status);
    expect(r.body.error.message).toContain(msg);
  });

  it('reads post codes the way people type them', async () => {
    const full = w.post.code.replace(/[A-Z0-9]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).toLowerCase();
    const r = await get(`/api/posts/${encodeURIComponent(full)}`, w.tokens.bureau);
    expect(r.status).toBe(200);
    expect(r.body.code).toBe(w.post.code);
  });

  it('caps huge page sizes', async () => {
    const r = await get('/api/groups?pageSize=100000', w.tokens.bureau);
    expect(r.status).toBe(200);
    expect(r.body.pageSize).toBe(100);
  });

  it('treats injection-looking strings as plain text', async () => {
    const r = await get(`/api/posts?source=${encodeURIComponent("' OR 1=1; DROP TABLE post; --")}`, w.tokens.bureau);
    expect(r.status).toBe(200);
    expect(r.body.total).toBe(0);
    const pct = await get(`/api/groups?q=${encodeURIComponent('%')}`, w.tokens.bureau);
    expect(pct.body.total).toBe(0);
    expect(await db.prisma.post.count()).toBe(3);
  });
});

describe('bot accounts', () => {
  it('shows login and throttle state with the QR code to the bureau', async () => {
    const r = await get('/api/accounts', w.tokens.bureau);
    expect(r.body.items[0]).toMatchObject({ name: 'relay-1', loginState: 'waiting_scan', throttle: { level: 1, throttled: true }, qr: { payload: 'https://login.weixin.qq.com/l/abc123' } });
    expect(r.body.items[0].qr.svg).toMatch(/^<svg[^>]*>.*<\/svg>\s*$/s);
  });

  it('shows the live login state of the accounts this process drives', async () => {
    const live = buildServer({
      db, clock, log: createLogger({ level: 'silent' }), config: { timeZone: 'Asia/Shanghai' },
      accounts: () => [{ name: 'relay-1', loginState: 'logged_in', loginName: '反诈助手1' }, { name: 'relay-new', loginState: 'waiting_scan', qrUrl: 'https://login.weixin.qq.com/l/new' }],
    });
    const res = await live.inject({ method: 'GET', url: '/api/accounts', headers: { authorization: `Bearer ${w.tokens.bureau}` } });
    await live.close();
    const items = res.json().items;
    expect(items.map((a: { name: string; loginState: string; qr: unknown }) => [a.name, a.loginState, a.qr !== null])).toEqual([['relay-1', 'logged_in', false], ['relay-new', 'waiting_scan', true]]);
    expect(items[0].loginName).toBe('反诈助手1');
  });

  it('refuses them to county and school tokens', async () => {
    expect((await get('/api/accounts', w.tokens.qinnan)).status).toBe(403);
    expect((await get('/api/accounts', w.tokens.a1)).status).toBe(403);
  });
});

describe('unit figures', () => {
  const put = (token: string, payload: unknown) => app.inject({ method: 'PUT', url: '/api/figures', headers: { authorization: `Bearer ${token}` }, payload: payload as object });

  it('lets a school enter its own cases and losses', async () => {
    const r = await put(w.tokens.a1, { period: '2026-11', cases: 2, lossesYuan: 15800.5 });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ unit: { name: '钦南区第一小学' }, cases: 2, lossesYuan: 15800.5 });
    await put(w.tokens.a1, { period: '2026-11', cases: 3, lossesYuan: 16000 });
    const county = await get('/api/figures?period=2026-11', w.tokens.qinnan);
    expect(county.body.items).toMatchObject([{ unit: { name: '钦南区第一小学' }, cases: 3, lossesYuan: 16000 }]);
    expect((await get('/api/figures', w.tokens.lingshan)).body.items).toEqual([]);
  });

  it('refuses the bureau and bad values, keeping what was there', async () => {
    expect((await put(w.tokens.bureau, { period: '2026-11', cases: 1, lossesYuan: 0 })).statusCode).toBe(403);
    const bad = await put(w.tokens.a1, { period: 'November', cases: -1, lossesYuan: 'lots' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('period must look like 2026-11');
    expect(bad.json().error.message).toContain('cases must be a whole number from 0');
    expect(bad.json().error.message).toContain('lossesYuan must be an amount in yuan');
    const notJson = await app.inject({ method: 'PUT', url: '/api/figures', headers: { authorization: `Bearer ${w.tokens.a1}`, 'content-type': 'text/plain' }, payload: 'cases=5' });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().error.message).toContain('send the figures as a JSON object');
    // Found by the fuzz test: amounts below one fen passed the 0.01 step check and were stored as 0.
    for (const lossesYuan of [5e-324, 0.001, 1.005, 12.345]) {
      const tiny = await put(w.tokens.a1, { period: '2026-11', cases: 1, lossesYuan });
      expect(tiny.statusCode, String(lossesYuan)).toBe(400);
      expect(tiny.json().error.message).toContain('lossesYuan has at most two decimals');
    }
    for (const lossesYuan of [0.07, 1.1, 99999999.99]) expect((await put(w.tokens.a1, { period: '2025-01', cases: 1, lossesYuan })).json().lossesYuan).toBe(lossesYuan);
    const row = await db.prisma.unitFigures.findFirstOrThrow({ where: { orgUnitId: w.units.a1.id, period: '2026-11' } });
    expect(row.cases).toBe(3);
  });
});

describe('exports and reports', () => {
  it('exports coverage by group as XLSX with Chinese headers, totals and no names', async () => {
    const r = await get(`/api/posts/${w.post.code}/coverage/export?by=group&format=xlsx`, w.tokens.bureau);
    expect(r.status).toBe(200);
    expect(r.raw.headers['content-disposition']).toContain('.xlsx');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(r.raw.rawPayload as never);
    const ws = wb.getWorksheet('覆盖率')!;
    const rows = (ws.getSheetValues() as unknown[][]).filter(Boolean).map((row) => row.slice(1));
    expect(rows[0]).toEqual(['群', '班级', '所属单位', '送达人数', '已确认', '覆盖率(%)', '未达标', '人数未知的送达', '其中已确认', '不计的班主任和教职工(人次)']);
    expect(rows.at(-1)).toEqual(['合计', '', '', 120, 110, 91.7, '', 0, 0, 0]);
    noTeacherNames(rows);
  });

  it('exports CSV with a BOM', async () => {
    const r = await get(`/api/posts/${w.post.code}/coverage/export?by=county&format=csv`, w.tokens.qinnan);
    expect(r.raw.body.startsWith('\uFEFF县区,群数,送达人数,已确认,覆盖率(%),未达标,人数未知的送达,其中已确认,不计的班主任和教职工(人次)\r\n钦南区教育局,2,90,80,88.9,是,0,0,0\r\n合计,2,90,80,88.9,,0,0,0')).toBe(true);
  });

  it('scopes stored reports', async () => {
    const deps = { db, clock };
    const lingshan = await generateReport(deps, 'monthly', '2026-11', w.units.lingshan.id);
    const qinnan = await generateReport(deps, 'monthly', '2026-11', w.units.qinnan.id);
    expect((await get(`/api/reports/${lingshan.id}`, w.tokens.qinnan)).status).toBe(403);
    expect((await get(`/api/reports/${lingshan.id}/export?format=xlsx`, w.tokens.qinnan)).status).toBe(403);
    const mine = await get('/api/reports', w.tokens.qinnan);
    expect(mine.body.items.map((x: { id: number }) => x.id)).toEqual([qinnan.id]);
    expect((await get('/api/reports', w.tokens.bureau)).body.total).toBe(2);
    const csv = await get(`/api/reports/${qinnan.id}/export?format=csv`, w.tokens.qinnan);
    expect(csv.raw.body).toContain('钦南区第一小学');
    noTeacherNames(csv.raw.body);
  });
});

describe('long lists page by cursor', () => {
  type Group = { id: number; topic: string; unit: { id: number; name: string } };
  type Delivery = { status: string; group: { id: number; topic: string } };
  type Page<T> = { items: T[]; next: string | null; prev: string | null; total: number; page?: number };

  /** Follows `next` from `url` (and then `prev` back) and returns both walks' items. */
  async function walk<T>(url: string, token = w.tokens.bureau) {
    const pages: Page<T>[] = [];
    let r: Page<T> = (await get(url, token)).body;
    pages.push(r);
    while (r.next) {
      const res = await get(`${url}&after=${r.next}`, token);
      expect(res.status).toBe(200);
      r = res.body;
      pages.push(r);
    }
    const back: Page<T>[] = [r];
    while (r.prev) {
      r = (await get(`${url}&before=${r.prev}`, token)).body;
      back.unshift(r);
    }
    return { pages, forward: pages.flatMap((p) => p.items), backward: back.flatMap((p) => p.items) };
  }

  it('walks the group list page by page: the next page starts after the last item, and prev goes back', async () => {
    const whole = (await get('/api/groups?pageSize=100', w.tokens.bureau)).body as Page<Group>;
    expect(whole.items).toHaveLength(5);
    expect(whole.next).toBeNull();
    expect(whole.prev).toBeNull();
    const { pages, forward, backward } = await walk<Group>('/api/groups?pageSize=2');
    expect(pages.map((p) => p.items.length)).toEqual([2, 2, 1]);
    expect(forward.map((g) => g.id)).toEqual(whole.items.map((g) => g.id));
    expect(backward.map((g) => g.id)).toEqual(whole.items.map((g) => g.id));
    expect(pages.every((p) => p.total === 5)).toBe(true);
    // Sorted by unit name, then topic.
    const keys = whole.items.map((g) => [g.unit.name, g.topic].join('\u0000'));
    expect(keys).toEqual([...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    // Page numbers still work for old clients (the same pages), and give the cursor onwards; also
    // when deep (walkMax 0: counted per unit name, as past 4,000 rows).
    for (const walkMax of [4000, 0]) {
      paging.walkMax = walkMax;
      for (const [i, p] of pages.entries()) {
        const byNumber = (await get(`/api/groups?pageSize=2&page=${i + 1}`, w.tokens.bureau)).body as Page<Group>;
        expect(byNumber.page).toBe(i + 1);
        expect(byNumber.items.map((g) => g.id)).toEqual(p.items.map((g) => g.id));
        expect(byNumber.next).toBe(p.next);
      }
      expect((await get('/api/groups?pageSize=2&page=4', w.tokens.bureau)).body).toMatchObject({ items: [], next: null });
      expect((await get('/api/groups?pageSize=1&page=2&status=active', w.tokens.bureau)).body.items).toHaveLength(1);
    }
    paging.walkMax = 4000;
    const paused = (await get('/api/groups?pageSize=1&page=1&status=paused', w.tokens.bureau)).body as Page<Group>;
    expect(paused.items.map((g) => g.topic)).toEqual(['初一2班家长群']);
  });

  it("walks a post's deliveries failed first, then unknown, then the rest, across the status boundaries", async () => {
    const url = `/api/posts/${w.post.code}/deliveries?pageSize=1`;
    const { pages, forward, backward } = await walk<Delivery>(url);
    expect(pages).toHaveLength(5);
    expect(forward.map((d) => d.status)).toEqual(['failed', 'unknown', 'sent', 'sent', 'sent']);
    expect(new Set(forward.map((d) => d.group.id)).size).toBe(5);
    expect(backward.map((d) => d.group.id)).toEqual(forward.map((d) => d.group.id));
    const whole = (await get(`/api/posts/${w.post.code}/deliveries?pageSize=100`, w.tokens.bureau)).body as Page<Delivery>;
    expect(whole.items.map((d) => d.group.id)).toEqual(forward.map((d) => d.group.id));
    for (let n = 1; n <= 12; n++) {
      if (n === 7) paging.walkMax = 0;
      const byNumber = (await get(`${url}&page=${((n - 1) % 6) + 1}`, w.tokens.bureau)).body as Page<Delivery>;
      expect(byNumber.items.map((d) => d.group.id), `page ${n}`).toEqual(forward.slice((n - 1) % 6, ((n - 1) % 6) + 1).map((d) => d.group.id));
    }
    const twos = await Promise.all([1, 2, 3].map(async (n) => ((await get(`/api/posts/${w.post.code}/deliveries?pageSize=2&status=sent,unknown&page=${n}`, w.tokens.bureau)).body as Page<Delivery>).items));
    expect(twos.map((items) => items.map((d) => d.status))).toEqual([['unknown', 'sent'], ['sent', 'sent'], []]);
    paging.walkMax = 4000;
    // A status filter and a county scope page the same way.
    const sent = await walk<Delivery>(`/api/posts/${w.post.code}/deliveries?pageSize=2&status=sent,unknown`);
    expect(sent.forward.map((d) => d.status)).toEqual(['unknown', 'sent', 'sent', 'sent']);
    const county = await walk<Delivery>(`/api/posts/${w.post.code}/deliveries?pageSize=1`, w.tokens.qinnan);
    expect(county.forward.map((d) => d.group.topic).sort()).toEqual(['一年级1班家长群', '初一2班家长群', '钦南一小工作群'].sort());
  });

  it('neither repeats nor drops rows when groups and deliveries are added between two pages', async () => {
    const before = (await get('/api/groups?pageSize=100', w.tokens.bureau)).body as Page<Group>;
    const first = (await get('/api/groups?pageSize=2', w.tokens.bureau)).body as Page<Group>;
    const url = `/api/posts/${w.post.code}/deliveries?pageSize=2`;
    const d1 = (await get(url, w.tokens.bureau)).body as Page<Delivery>;
    expect(d1.items.map((d) => d.status)).toEqual(['failed', 'unknown']);
    // Then one group that sorts before the cursor (first in the first unit: already passed) and one
    // after it (last in the last unit), each with a delivery of the post: a failed one (sorts before
    // the deliveries cursor) and a sent one (after it).
    const passed = await w.f.group(first.items[0].unit, w.bot, { topic: '\u0001最先的群', className: '一年级2班' });
    const ahead = await w.f.group(before.items[before.items.length - 1].unit, w.bot, { topic: '\uffff最后的群', className: '高三9班' });
    const dPassed = await w.f.delivery(w.post, passed, { status: 'failed', error: 'x' });
    const dAhead = await w.f.delivery(w.post, ahead, { status: 'sent', members: 10 });
    try {
      let r = first;
      const seen = [...first.items];
      while (r.next) {
        r = (await get(`/api/groups?pageSize=2&after=${r.next}`, w.tokens.bureau)).body;
        seen.push(...r.items);
      }
      expect(seen.map((g) => g.id)).toEqual([...before.items.map((g) => g.id), ahead.id]);
      expect(r.total).toBe(7); // the counts are of now

      let d = d1;
      const dSeen = [...d1.items];
      while (d.next) {
        d = (await get(`${url}&after=${d.next}`, w.tokens.bureau)).body;
        dSeen.push(...d.items);
      }
      const groups = dSeen.map((x) => x.group.id);
      expect(groups).toHaveLength(6);
      expect(new Set(groups).size).toBe(6);
      expect(groups).not.toContain(passed.id);
      expect(groups.at(-1)).toBe(ahead.id); // sent, last unit, its topic sorts last
    } finally {
      await db.prisma.delivery.deleteMany({ where: { id: { in: [dPassed.id, dAhead.id] } } });
      await db.prisma.chatGroup.deleteMany({ where: { id: { in: [passed.id, ahead.id] } } });
    }
  });

  it.each([
    ['/api/groups?after=not-a-cursor!', 'after is not a cursor of this list'],
    [`/api/groups?before=${Buffer.from('["groups","x"]').toString('base64url')}`, 'before is not a cursor of this list'],
    [`/api/groups?after=${Buffer.from('["deliveries",0,"a","b",1]').toString('base64url')}`, 'after is not a cursor of this list'],
    [`/api/posts/F1/deliveries?after=${Buffer.from('["deliveries",7,"a","b",1]').toString('base64url')}`, 'after is not a cursor of this list'],
    [`/api/posts/F1/deliveries?after=${Buffer.from('["groups","a","b",1]').toString('base64url')}`, 'after is not a cursor of this list'],
    ['/api/groups?after=abc&before=abc', 'give one of page, after and before, not after and before'],
    ['/api/groups?page=2&after=abc', 'give one of page, after and before, not page and after'],
  ])('refuses %s politely with 400', async (url, msg) => {
    const r = await get(url.replace('F1', w.post.code), w.tokens.bureau);
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain(msg);
  });

  it('finds groups by one or two characters of the topic or class name', async () => {
    const topics = async (q: string) => ((await get(`/api/groups?q=${encodeURIComponent(q)}`, w.tokens.bureau)).body as Page<Group>).items.map((g) => g.topic).sort();
    expect(await topics('三年')).toEqual(['城东三年级家长群']);
    expect(await topics('高')).toEqual(['高一1班家长群']);
    expect(await topics('1班')).toEqual(['一年级1班家长群', '城东三年级家长群', '高一1班家长群'].sort()); // 三年级1班 is a class name
    expect(await topics('工作群')).toEqual(['钦南一小工作群']);
    expect(await topics('二年')).toEqual([]);
  });
});

describe('dashboard', () => {
  it('serves the page and its script without a token', async () => {
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.body).toContain('<title>反诈宣传覆盖情况 · 教育局看板</title>');
    // The words of content/locales/zh-CN/dashboard.yml: filled into the page and inlined for app.js.
    expect(page.body).not.toContain('{{');
    const texts = JSON.parse(/<script id="texts" type="application\/json">(.*?)<\/script>/s.exec(page.body)![1]) as Record<string, unknown>;
    expect(texts['nav.posts']).toBe('文章');
    expect((await app.inject({ method: 'GET', url: '/app.js' })).statusCode).toBe(200);
  });
});

describe('startHttp', () => {
  it('listens, serves the API with the live bot status, and says when the port is taken', async () => {
    const bot = { status: () => ({ state: 'waiting_scan' as const, qrcode: 'https://login.weixin.qq.com/l/live' }) };
    const ctx = { db, clock, log: createLogger({ level: 'silent' }), config: { timeZone: 'Asia/Shanghai' } };
    const http = await startHttp(ctx, { host: '127.0.0.1', port: 0, accounts: botStatusProvider('relay-live', bot) });
    try {
      const res = await fetch(`${http.address}/api/accounts`, { headers: { authorization: `Bearer ${w.tokens.bureau}` } });
      const live = (await res.json()).items.find((a: { name: string }) => a.name === 'relay-live');
      expect(live).toMatchObject({ loginState: 'waiting_scan', qr: { payload: 'https://login.weixin.qq.com/l/live' } });
      const port = Number(new URL(http.address).port);
      await expect(startHttp(ctx, { host: '127.0.0.1', port })).rejects.toThrow(`HTTP_PORT ${port} is already in use on 127.0.0.1 — stop the other process or set HTTP_PORT to a free port`);
    } finally {
      await http.close();
    }
  });
});
