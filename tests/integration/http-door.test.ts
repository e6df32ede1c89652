// The API's door (issue 13, item 1): no spelling of a path reaches a handler without a valid token.
// Every route registered under /api is tried with percent-encoded, double-encoded, trailing-slash and
// case variants; an anonymous caller gets 401 or the generic 404, never data, a 500 or a stack, and an
// existing post answers exactly like a missing one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { principalOf } from '../../bot/http/scope.ts';
import { apiWorld, type ApiWorld } from '../helpers/api-world.ts';

let db: ApiWorld['db'];
let app: ApiWorld['app'];
let w: ApiWorld['w'];
let logs: ApiWorld['logs'];
let reportId: number;
let routes: ApiWorld['routes'];
let world: ApiWorld;

beforeAll(async () => {
  world = await apiWorld();
  ({ db, app, w, logs, reportId, routes } = world);
});
afterAll(async () => world?.close());

/** The route's path with its parameters filled in (a post that exists, a report that exists). */
function concrete(url: string, code = w.post.code): string {
  return url.replace(':code', code).replace(':id', String(reportId)).replace('*', 'nothing-here');
}

/** Spellings of one path that a router might read as the same route. */
function variants(path: string): string[] {
  const segs = path.split('/'); // ['', 'api', 'posts', ...]
  const enc = (s: string) => `%${s.charCodeAt(0).toString(16).padStart(2, '0')}${s.slice(1)}`;
  const out = [
    path,
    path.replace('/api', '/%61pi'),
    path.replace('/api', '/%61%70%69'),
    path.replace('/api', '/%2561pi'), // double-encoded
    path.replace('/api/', '/api%2F'),
    path + '/',
    path + '//',
    path + '?',
    path + '%2F',
    path.replace('/api', '/API'),
    path.replace('/api', '/Api'),
    path.toUpperCase(),
    '/' + path,
    path.replace('/api/', '/api/./'),
    path.replace('/api/', '/api/x/../'),
  ];
  for (let i = 2; i < segs.length; i++) {
    if (!segs[i]) continue;
    out.push([...segs.slice(0, i), enc(segs[i]), ...segs.slice(i + 1)].join('/'));
    out.push([...segs.slice(0, i), segs[i].toUpperCase(), ...segs.slice(i + 1)].join('/'));
  }
  return [...new Set(out)];
}

async function call(method: string, url: string, token?: string) {
  const res = await app.inject({
    method: method as 'GET',
    url,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(method === 'PUT' ? { payload: { period: '2026-11', cases: 1, lossesYuan: 1 } } : {}),
  });
  return res;
}

describe('the API door', () => {
  it('knows every API route (the table in the README)', () => {
    const urls = routes.map((r) => `${r.method} ${r.url}`);
    for (const u of ['GET /api/me', 'GET /api/posts/:code', 'GET /api/reports/:id/export', 'PUT /api/figures', 'GET /api/accounts']) expect(urls).toContain(u);
    expect(routes.length).toBeGreaterThanOrEqual(14);
  });

  it('lets no spelling of any route through without a token', async () => {
    let tried = 0;
    for (const r of routes) {
      for (const v of variants(concrete(r.url))) {
        for (const token of [undefined, 'af_notARealToken', '']) {
          const res = await call(r.method, v, token);
          tried++;
          const where = `${r.method} ${v} token=${token ?? '(none)'}`;
          // 400 only for a body-less method that must carry a Content-Type (QUERY), before any route.
          expect([400, 401, 404], where).toContain(res.statusCode);
          if (res.statusCode === 400) expect(res.json().error.message, where).toMatch(/must provide a 'Content-Type'/);
          expect(res.body, where).not.toMatch(/at .*\.ts:\d+|警惕刷单|钦南|"items"/);
          if (res.statusCode === 404) expect(res.json().error.message, where).toMatch(/^no such endpoint/);
        }
      }
    }
    expect(tried).toBeGreaterThan(500);
    expect(logs.lines.filter((l) => Number(l.level) >= 50)).toEqual([]);
  }, 180_000);

  it('answers an existing and a missing post the same way when anonymous', async () => {
    for (const r of routes.filter((x) => x.url.includes(':code'))) {
      const there = variants(concrete(r.url, w.post.code));
      const missing = variants(concrete(r.url, 'F999999'));
      for (let i = 0; i < there.length; i++) {
        const a = await call(r.method, there[i]);
        const b = await call(r.method, missing[i]);
        expect(a.statusCode, there[i]).toBe(b.statusCode);
        expect(a.body.replace(w.post.code, 'F999999'), there[i]).toBe(b.body);
      }
    }
  }, 120_000);

  it('serves the same answer to a token whatever the spelling, or the generic 404', async () => {
    // The door's world has no activity photos, so a media id cannot answer 200 here; its spellings are
    // still tried anonymously above.
    for (const r of routes.filter((x) => x.method === 'GET' && !x.url.includes('*') && x.url !== '/api/activities/media/:id')) {
      const plain = await call('GET', concrete(r.url), w.tokens.bureau);
      expect(plain.statusCode, r.url).toBe(200);
      for (const v of variants(concrete(r.url))) {
        const res = await call('GET', v, w.tokens.bureau);
        if (res.statusCode === 404) expect(res.json().error.message, v).toMatch(/^no such endpoint/);
        else if (res.statusCode === 400) expect(res.json().error.message, v).toMatch(/post code looks like|report id/); // posts// is the route with an empty code
        else expect(res.statusCode, v).toBe(200);
      }
    }
  }, 180_000);

  it('refuses a handler without a principal with 401 instead of running unscoped', () => {
    expect(() => principalOf({})).toThrow(expect.objectContaining({ status: 401 }));
  });

  it('sends no-store on every API answer, the 401s included', async () => {
    for (const v of ['/api/me', '/%61pi/me', '/api/me/']) {
      const res = await call('GET', v);
      expect(res.headers['cache-control'], v).toBe('no-store');
    }
  });
});

describe('post details by scope', () => {
  it("gives a county token a post that reached it, and the bureau everything", async () => {
    expect((await call('GET', `/api/posts/${w.post.code}`, w.tokens.qinnan)).statusCode).toBe(200);
    expect((await call('GET', `/api/posts/${w.attest.code}`, w.tokens.bureau)).statusCode).toBe(200);
  });

  it('answers a post that never reached the token\'s units exactly like an unknown code', async () => {
    // The attestation went to 钦南一小's work group only: 灵山 never had it.
    for (const suffix of ['', '/coverage', '/deliveries', '/coverage/export?format=csv']) {
      const hidden = await call('GET', `/api/posts/${w.attest.code}${suffix}`, w.tokens.lingshan);
      const unknown = await call('GET', `/api/posts/F999999${suffix}`, w.tokens.lingshan);
      expect(hidden.statusCode, suffix).toBe(404);
      expect(hidden.body.replace(w.attest.code, 'F999999')).toBe(unknown.body);
    }
  });
});

describe('NUL bytes in parameters (issue 13, item 2)', () => {
  it.each([
    ['/api/posts?source=%00', 'source in the query'],
    ['/api/posts?source=%E5%9B%BD%00', 'source in the query'],
    ['/api/groups?q=a%00b', 'q in the query'],
    ['/api/posts/F1%00/coverage', 'the path'],
    ['/api/posts?%00=1', 'a parameter name'],
  ])('%s → 400 with a sentence, nothing logged as an error', async (url, field) => {
    const before = logs.lines.length;
    const res = await call('GET', url, w.tokens.bureau);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain(field);
    expect(res.json().error.message).toContain('NUL');
    expect(logs.lines.slice(before).filter((l) => Number(l.level) >= 50)).toEqual([]);
  });

  it('refuses a NUL in a JSON body and keeps the stored figures', async () => {
    const a1 = w.tokens.a1;
    const res = await app.inject({ method: 'PUT', url: '/api/figures', headers: { authorization: `Bearer ${a1}`, 'content-type': 'application/json' }, payload: '{"period":"2026-11\\u0000","cases":1,"lossesYuan":1}' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain('period in the body');
    expect(await db.prisma.unitFigures.count()).toBe(0);
  });
});
