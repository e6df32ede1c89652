// Bureau API bench: a city of 6 counties × 40 schools × 15 groups (3,600 groups) and 30 posts each
// sent to every group (108,000 deliveries). Times the dashboard's requests and a city report.
import { withBenchDatabase } from './_database.ts';
import { fixedClock } from '../../bot/clock.ts';
import { createToken } from '../../bot/http/tokens.ts';
import { buildServer } from '../../bot/http/server.ts';
import { silentLogger } from '../../bot/log.ts';
import { reportXlsx } from '../../bot/reports/export.ts';
import { generateReport } from '../../bot/reports/generate.ts';

const COUNTIES = 6;
const SCHOOLS = 40;
const GROUPS = 15;
const POSTS = 30;

async function seed(pool: import('pg').Pool): Promise<void> {
  await pool.query(`INSERT INTO org_unit (id, name, kind) VALUES (1, '钦州市教育局', 'city')`);
  await pool.query(`INSERT INTO org_unit (id, name, kind, parent_id, county_id) SELECT 1 + c, '县区' || c, 'county', 1, 1 + c FROM generate_series(1, $1) c`, [COUNTIES]);
  await pool.query(
    `INSERT INTO org_unit (id, name, kind, parent_id, county_id)
     SELECT 100 + (c - 1) * $2 + s, '县区' || c || '学校' || s, 'school', 1 + c, 1 + c FROM generate_series(1, $1) c, generate_series(1, $2) s`,
    [COUNTIES, SCHOOLS],
  );
  await pool.query(`SELECT setval('org_unit_id_seq', 10000)`);
  await pool.query(`INSERT INTO bot_account (id, name, puppet) VALUES (1, 'bench', 'mock')`);
  await pool.query(
    `INSERT INTO chat_group (kind, org_unit_id, bot_account_id, topic, class_name, registered_by, owner_key, member_count)
     SELECT 'parent', u.id, 1, u.name || '班' || g || '家长群', g || '班', '老师', md5(u.id || '-' || g), 45
       FROM org_unit u, generate_series(1, $1) g WHERE u.kind = 'school'`,
    [GROUPS],
  );
  await pool.query(`INSERT INTO source (id, kind, scope, name, key) VALUES (1, 'official', 'national', '国家反诈中心', 'official:国家反诈中心')`);
  await pool.query(
    `INSERT INTO post (source_id, kind, title, canonical_key, captured_at)
     SELECT 1, 'article', '反诈文章' || p, 'bench:' || p, timestamptz '2026-11-01 02:00Z' + p * interval '12 hours' FROM generate_series(1, $1) p`,
    [POSTS],
  );
  await pool.query(
    `INSERT INTO delivery (post_id, group_id, bot_account_id, status, due_at, sent_at, members_at_send, confirmed, error)
     SELECT p.id, g.id, 1,
            (CASE WHEN (p.id + g.id) % 97 = 0 THEN 'failed' WHEN (p.id + g.id) % 211 = 0 THEN 'unknown' ELSE 'sent' END)::"DeliveryStatus",
            p.captured_at, p.captured_at, 40 + (g.id % 10), 30 + ((p.id * 7 + g.id) % 21),
            CASE WHEN (p.id + g.id) % 97 = 0 THEN 'throttled (1205)' END
       FROM post p, chat_group g`,
  );
  await pool.query('ANALYZE');
}

async function time<T>(label: string, n: number, fn: () => Promise<T>): Promise<T> {
  let out: T | undefined;
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    out = await fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  console.log(`${label.padEnd(52)} median ${samples[Math.floor(n / 2)].toFixed(1).padStart(7)} ms   max ${samples[n - 1].toFixed(1).padStart(7)} ms   (${n} runs)`);
  return out!;
}

async function run(): Promise<void> {
  await withBenchDatabase('bureau', 10, async (base) => {
    const db = base;
    const t0 = performance.now();
    await seed(db.pool);
    const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM delivery');
    console.log(`seeded ${COUNTIES * SCHOOLS * GROUPS} groups, ${POSTS} posts, ${rows[0].n} deliveries in ${(performance.now() - t0).toFixed(0)} ms`);
    const clock = fixedClock('2026-11-23T00:00:00Z');
    const app = buildServer({ db, clock, log: silentLogger(), config: { timeZone: 'Asia/Shanghai' } });
    const bureau = (await createToken(db.prisma, { role: 'bureau', unit: '1' })).secret;
    const county = (await createToken(db.prisma, { role: 'county', unit: '2' })).secret;
    const code = (await db.pool.query<{ code: string }>('SELECT code FROM post ORDER BY id LIMIT 1')).rows[0].code;
    const get = async (url: string, token: string) => {
      const r = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
      if (r.statusCode !== 200) throw new Error(`${url} → ${r.statusCode} ${r.body}`);
      return r;
    };
    await get('/api/me', bureau); // warm up
    await time('GET /api/posts (bureau, 20 posts with coverage)', 10, () => get('/api/posts', bureau));
    await time('GET /api/posts (county token)', 10, () => get('/api/posts', county));
    await time('GET coverage by county (3,600 groups)', 10, () => get(`/api/posts/${code}/coverage?by=county`, bureau));
    await time('GET coverage by school (county token, 600 groups)', 10, () => get(`/api/posts/${code}/coverage?by=school`, county));
    await time('GET coverage by group (one school)', 10, () => get(`/api/posts/${code}/coverage?by=group&school=101`, bureau));
    await time('GET deliveries failed,unknown', 10, () => get(`/api/posts/${code}/deliveries?status=failed,unknown`, bureau));
    await time('GET coverage export by group (XLSX, 3,600 rows)', 3, () => get(`/api/posts/${code}/coverage/export?by=group&format=xlsx`, bureau));
    const report = await time('city monthly report (108k deliveries)', 3, () => generateReport({ db, clock }, 'monthly', '2026-11', 1, { refresh: true }));
    await time('  its XLSX', 3, () => reportXlsx(report.data));
    await app.close();
  });
}

export default { name: 'bureau-api', description: 'dashboard requests and a city report over 3,600 groups × 30 posts', run };
