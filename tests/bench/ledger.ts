// Ledger benchmark (not part of npm test): `npx tsx tests/bench/ledger.ts [--messages 200000] [--rounds 3] [--ingest-only]`
//  1. confirmation ingest rate through the project's path (InboundHandler → buffer → set-based
//     INSERT … ON CONFLICT … RETURNING → UPDATE delivery counters) vs a raw INSERT … SELECT unnest(…)
//     baseline with the same rows and batch size, side by side in one run;
//  2. coverage-by-message latency (median, p95) for one post delivered to 20,000 groups with
//     1,000,000 confirmations, by group, school and county — from the counters (what the project
//     uses) and, for comparison, from a roll-up query counting confirmation rows.
// Data is generated with set-based SQL. A private embedded PostgreSQL is started in a temp dir.
import os from 'node:os';
import type { Account, AppContext } from '../../bot/app.ts';
import type { GroupMessage } from '../../bot/chat-types.ts';
import { systemClock } from '../../bot/clock.ts';
import { createConfirmations, INSERT_SQL, insertParams, type ConfirmItem } from '../../bot/ledger/confirm.ts';
import { coverageByPost, type CoverageBy } from '../../bot/ledger/coverage.ts';
import { memberKey } from '../../bot/ledger/member-key.ts';
import { createLogger } from '../../bot/log.ts';
import { withBenchDatabase } from './_database.ts';
import { contentSettings } from '../../bot/core/settings.ts';
import { groupInbound } from '../../bot/core/inbound.ts';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const MESSAGES = arg('messages', 200_000);
const INGEST_GROUPS = 2_000;
const GROUPS = 20_000;
const SCHOOLS = 400;
const COUNTIES = 6;
const CONFIRMATIONS = 1_000_000;
const RUNS = arg('runs', 40);
const BATCH = 5_000;

const log = createLogger({ level: 'warn', pretty: false });
const secret = 'bench-ledger-secret-0123456789abcdef';

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
const ms = (n: number) => `${n.toFixed(1)} ms`;

await withBenchDatabase('ledger', 4, async (db) => {
  const q = (sql: string, params: unknown[] = []) => db.pool.query(sql, params);
  console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, node ${process.version}, ${(await q('SHOW server_version')).rows[0].server_version} (embedded)`);

  // ---- world: org tree, one bot account, groups, posts --------------------------------------
  await q(`INSERT INTO org_unit (id, name, kind) VALUES (1, '钦州市教育局', 'city')`);
  await q(`INSERT INTO org_unit (id, name, kind, parent_id, county_id) SELECT 1 + c, '县区' || c, 'county', 1, 1 + c FROM generate_series(1, ${COUNTIES}) c`);
  await q(`INSERT INTO org_unit (id, name, kind, parent_id, county_id)
           SELECT 100 + s, '学校' || s, 'school', 2 + (s % ${COUNTIES}), 2 + (s % ${COUNTIES}) FROM generate_series(1, ${SCHOOLS}) s`);
  await q(`SELECT setval(pg_get_serial_sequence('org_unit', 'id'), 100000)`);
  await q(`INSERT INTO bot_account (id, name, puppet, login_name) VALUES (1, 'bench', 'mock', '反诈助手')`);
  await q(`INSERT INTO chat_group (id, kind, org_unit_id, bot_account_id, topic, room_id, registered_by, owner_key, member_count)
           SELECT g, CASE WHEN g % 50 = 0 THEN 'work' ELSE 'parent' END::"GroupKind", 101 + (g % ${SCHOOLS}), 1,
                  '群' || g, 'room-' || g, '老师', md5(g::text), 60
             FROM generate_series(1, ${GROUPS}) g`);
  await q(`INSERT INTO source (id, kind, scope, name, key) VALUES (1, 'official', 'national', '国家反诈中心', 'official:x')`);
  await q(`INSERT INTO post (id, code, source_id, kind, title, canonical_key) VALUES (1, 'F1', 1, 'article', '覆盖率测试推送', 'k1')`);
  const sentAt = new Date(Date.now() - 3_600_000);
  if (process.argv.includes('--no-trigger')) await q('ALTER TABLE delivery DISABLE TRIGGER delivery_coverage_unit_upd'); // diagnosis only

  // ---- 1. ingest ------------------------------------------------------------------------------
  // Rounds alternate which side runs first (this machine is shared: the two sides of one round see
  // the same load); each round uses its own groups and posts so that nothing conflicts.
  await q('ANALYZE');
  // Time spent waiting on the database during the project path, to tell JS work from SQL work.
  let sqlMs = 0;
  const timedPool = new Proxy(db.pool, {
    get(target, prop, receiver) {
      if (prop !== 'query') return Reflect.get(target, prop, receiver);
      return async (...args: Parameters<typeof db.pool.query>) => {
        const t0 = performance.now();
        try {
          return await (target.query as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          sqlMs += performance.now() - t0;
        }
      };
    },
  });
  const ctx: AppContext = {
    db: { prisma: db.prisma, pool: timedPool, url: db.url, close: db.close },
    clock: systemClock,
    log,
    config: { dataDir: os.tmpdir(), puppet: 'mock', botName: 'bench', httpPort: 0, httpHost: '127.0.0.1', timeZone: 'Asia/Shanghai', logLevel: 'warn' },
    settings: contentSettings(),
    ledgerSecret: secret,
  };
  const account: Account = { id: 1, name: 'bench', chat: {} as Account['chat'] };
  const texts = ['已阅', '收到', '王小明妈妈收到,谢谢老师', '已阅👍', '好的', '知道了'];
  const now = new Date();

  /** The project path: MESSAGES replies through the handler into groups from `first`, for post `postId`. */
  async function projectRound(postId: number, first: number) {
    await q(`INSERT INTO delivery (post_id, group_id, bot_account_id, status, due_at, sent_at, members_at_send)
             SELECT $2, g, 1, 'sent', $1, $1, 100 FROM generate_series(${first}, ${first + INGEST_GROUPS - 1}) g`, [sentAt, postId]);
    const ingest = createConfirmations(ctx, { batchSize: 500, flushMs: 20, maxBuffered: MESSAGES + 1 });
    sqlMs = 0;
    const t0 = performance.now();
    for (let i = 0; i < MESSAGES; i++) {
      const g = first + (i % INGEST_GROUPS);
      const msg: GroupMessage = {
        messageId: `m${i}`, roomId: `room-${g}`, topic: '', senderId: `s${i}`, senderName: `家长${Math.floor(i / INGEST_GROUPS)}`,
        senderIsBot: false, self: false, kind: 'text', text: texts[i % texts.length], at: now,
      };
      await ingest.group!(groupInbound(ctx, msg, account));
      if (i % 1000 === 999) await new Promise((r) => setImmediate(r)); // let the flush run, as with real events
    }
    await ingest.drain();
    const elapsed = performance.now() - t0;
    const written = Number((await q('SELECT count(*) FROM confirmation WHERE post_id = $1', [postId])).rows[0].count);
    const counted = Number((await q('SELECT sum(confirmed) FROM delivery WHERE post_id = $1', [postId])).rows[0].sum);
    const flushes = ingest.stats().flushes;
    await ingest.stop();
    return { ms: elapsed, sqlMs, written, counted, flushes };
  }

  /** The baseline: the same number of rows, batches of BATCH, keys precomputed, no parsing, no counters. */
  async function baselineRound(postId: number, first: number) {
    const rows = Array.from({ length: MESSAGES }, (_, i) => {
      const g = first + (i % INGEST_GROUPS);
      return { g, k: memberKey(secret, g, `家长${Math.floor(i / INGEST_GROUPS)}`) };
    });
    const t0 = performance.now();
    for (let i = 0; i < rows.length; i += BATCH) {
      const b = rows.slice(i, i + BATCH);
      await q(
        `INSERT INTO confirmation (post_id, group_id, member_key, at, how)
         SELECT $4, g, k, $3, 'keyword' FROM unnest($1::int[], $2::text[]) AS u(g, k)`,
        [b.map((r) => r.g), b.map((r) => r.k), now, postId],
      );
    }
    return { ms: performance.now() - t0 };
  }

  const ROUNDS = arg('rounds', 3);
  const ratios: number[] = [];
  console.log('\n1. confirmation ingest');
  console.log(`   ${MESSAGES} replies per round into ${INGEST_GROUPS} groups; project path = handler → buffer → INSERT…ON CONFLICT…RETURNING → UPDATE delivery;`);
  console.log(`   baseline = raw INSERT … SELECT unnest(…) of the same rows in batches of ${BATCH}; ${ROUNDS} rounds, alternating which runs first`);
  for (let r = 0; r < ROUNDS; r++) {
    const projectPost = 10 + 2 * r;
    const basePost = 11 + 2 * r;
    await q(`INSERT INTO post (id, code, source_id, kind, title, canonical_key) VALUES ($1::int, 'F' || $1::text, 1, 'article', '入库测试推送', 'k' || $1::text), ($2::int, 'F' || $2::text, 1, 'article', '基线推送', 'k' || $2::text)`, [projectPost, basePost]);
    const first = 1 + r * INGEST_GROUPS;
    let p: Awaited<ReturnType<typeof projectRound>>;
    let base: { ms: number };
    if (r % 2 === 0) {
      p = await projectRound(projectPost, first);
      base = await baselineRound(basePost, first);
    } else {
      base = await baselineRound(basePost, first);
      p = await projectRound(projectPost, first);
    }
    const projectRate = p.written / (p.ms / 1000);
    const baseRate = MESSAGES / (base.ms / 1000);
    ratios.push(projectRate / baseRate);
    console.log(`   round ${r + 1}: project ${Math.round(projectRate)} rows/s (${ms(p.ms)}, ${ms(p.sqlMs)} waiting on SQL; ${p.written} written, counters ${p.counted}, ${p.flushes} flushes) · baseline ${Math.round(baseRate)} rows/s (${ms(base.ms)}) · ratio ${(100 * projectRate / baseRate).toFixed(0)}%`);
    if (p.written !== MESSAGES || p.counted !== MESSAGES) throw new Error(`round ${r + 1}: expected ${MESSAGES} confirmations and counters, got ${p.written} / ${p.counted}`);
  }
  const sortedRatios = [...ratios].sort((x, y) => x - y);
  console.log(`   median ratio: ${(100 * sortedRatios[Math.floor(sortedRatios.length / 2)]).toFixed(0)}% of the baseline (target ≥ 50%; rounds: ${ratios.map((x) => `${(100 * x).toFixed(0)}%`).join(', ')})`);

  if (process.argv.includes('--explain')) {
    // One more batch of 5000 new replies through the statement, with its plan.
    const items: ConfirmItem[] = Array.from({ length: BATCH }, (_, i) => {
      const g = 1 + (i % INGEST_GROUPS);
      return { groupId: g, memberKey: memberKey(secret, g, `新家长${i}`), at: now, general: true, codes: [], words: [], via: 'code' };
    });
    const plan = await q(`EXPLAIN (ANALYZE, BUFFERS) ${INSERT_SQL}`, insertParams(items, 7 * 86_400_000));
    console.log(plan.rows.map((r) => r['QUERY PLAN']).join('\n'));
  }
  if (process.argv.includes('--ingest-only')) process.exit(0);
  // ---- 2. coverage by message -----------------------------------------------------------------
  const tg = performance.now();
  await q(`INSERT INTO delivery (post_id, group_id, bot_account_id, status, due_at, sent_at, members_at_send)
           SELECT 1, g, 1, 'sent', $1, $1, 60 FROM generate_series(1, ${GROUPS}) g`, [sentAt]);
  const perGroup = CONFIRMATIONS / GROUPS;
  // 50 per group on average, varied (30…60 of 60 members) so that rows fall below target.
  await q(`INSERT INTO confirmation (post_id, group_id, member_key, at, how)
           SELECT 1, g, md5(g || ':' || m), $1::timestamptz + (m || ' seconds')::interval, 'keyword'
             FROM generate_series(1, ${GROUPS}) g
             CROSS JOIN LATERAL generate_series(1, ${perGroup - 20} + (g % 41)) m`, [sentAt]);
  await q(`UPDATE delivery d SET confirmed = c.n, first_confirm_at = c.f, last_confirm_at = c.l
             FROM (SELECT group_id, count(*)::int n, min(at) f, max(at) l FROM confirmation WHERE post_id = 1 GROUP BY group_id) c
            WHERE d.post_id = 1 AND d.group_id = c.group_id`);
  await q('VACUUM ANALYZE');
  const total = Number((await q('SELECT count(*) FROM confirmation WHERE post_id = 1')).rows[0].count);
  console.log(`\n2. coverage by message: 1 post, ${GROUPS} groups, ${SCHOOLS} schools, ${COUNTIES} counties, ${total} confirmations (generated in ${ms(performance.now() - tg)})`);

  async function time(fn: () => Promise<unknown>): Promise<{ median: number; p95: number }> {
    for (let i = 0; i < 3; i++) await fn();
    const t: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const s = performance.now();
      await fn();
      t.push(performance.now() - s);
    }
    t.sort((a, b) => a - b);
    return { median: pct(t, 50), p95: pct(t, 95) };
  }
  const rollup = (by: CoverageBy) => {
    const key = by === 'group' ? 'g.id' : by === 'school' ? 'g.org_unit_id' : 'ou.county_id';
    return () =>
      db.pool.query(
        `SELECT ${key} AS id, count(DISTINCT d.group_id) AS groups, sum(d.members_at_send) AS members, sum(coalesce(c.n, 0)) AS confirmed
           FROM delivery d JOIN chat_group g ON g.id = d.group_id JOIN org_unit ou ON ou.id = g.org_unit_id
           LEFT JOIN (SELECT group_id, count(*) AS n FROM confirmation WHERE post_id = 1 GROUP BY group_id) c ON c.group_id = d.group_id
          WHERE d.post_id = 1 AND d.status = 'sent' GROUP BY ${key}`,
      );
  };
  console.log('   by       project (counters + coverage_unit): median   p95     roll-up over confirmation rows: median   p95');
  for (const by of ['group', 'school', 'county'] as const) {
    const a = await time(() => coverageByPost(db.pool, { postCode: 'F1', by }));
    const b = await time(rollup(by));
    console.log(`   ${by.padEnd(8)} ${ms(a.median).padStart(26)} ${ms(a.p95).padStart(10)} ${ms(b.median).padStart(39)} ${ms(b.p95).padStart(10)}`);
  }
  const below = await time(() => coverageByPost(db.pool, { postCode: 'F1', by: 'group', belowPct: 100, limit: 200 }));
  console.log(`   group, below 100%, worst 200 (the CLI's --below 100 --limit 200): median ${ms(below.median)}, p95 ${ms(below.p95)}`);
  const scoped = await time(() => coverageByPost(db.pool, { postCode: 'F1', by: 'group', scope: { countyId: 2 } }));
  console.log(`   group, one county (~${Math.round(GROUPS / COUNTIES)} groups): median ${ms(scoped.median)}, p95 ${ms(scoped.p95)}`);
  console.log('   (target: median ≤ 50 ms)');
});
