// CLI bench: times `antifraud` commands as whole processes, the way an operator runs them, while
// "the bot" (this process) keeps the embedded database running. The commands find that server
// through DATA_DIR/postgres/postmaster.pid, exactly as beside `npm start`.
//
//   npm run bench -- cli            (or: npx tsx tests/bench/cli.ts)
//
// Seeds 3,600 groups and 30 posts (108,000 deliveries) so that `posts` and `coverage` do real work.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../../bot/config.ts';
import { openDatabase } from '../../bot/db/open.ts';
import { silentLogger } from '../../bot/log.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

async function seed(pool: import('pg').Pool): Promise<string> {
  await pool.query(`INSERT INTO org_unit (id, name, kind) VALUES (1, '钦州市教育局', 'city')`);
  await pool.query(`INSERT INTO org_unit (id, name, kind, parent_id, county_id) SELECT 1 + c, '县区' || c, 'county', 1, 1 + c FROM generate_series(1, 6) c`);
  await pool.query(
    `INSERT INTO org_unit (id, name, kind, parent_id, county_id)
     SELECT 100 + (c - 1) * 40 + s, '县区' || c || '学校' || s, 'school', 1 + c, 1 + c FROM generate_series(1, 6) c, generate_series(1, 40) s`,
  );
  await pool.query(`SELECT setval('org_unit_id_seq', 10000)`);
  await pool.query(`INSERT INTO bot_account (id, name, puppet) VALUES (1, 'bench', 'mock')`);
  await pool.query(
    `INSERT INTO chat_group (kind, org_unit_id, bot_account_id, topic, class_name, registered_by, owner_key, member_count)
     SELECT 'parent', u.id, 1, u.name || '班' || g || '家长群', g || '班', '老师', md5(u.id || '-' || g), 45
       FROM org_unit u, generate_series(1, 15) g WHERE u.kind = 'school'`,
  );
  await pool.query(`INSERT INTO source (id, kind, scope, name, key) VALUES (1, 'official', 'national', '国家反诈中心', 'official:国家反诈中心')`);
  await pool.query(
    `INSERT INTO post (source_id, kind, title, canonical_key, captured_at)
     SELECT 1, 'article', '反诈文章' || p, 'bench:' || p, now() - (31 - p) * interval '12 hours' FROM generate_series(1, 30) p`,
  );
  await pool.query(
    `INSERT INTO delivery (post_id, group_id, bot_account_id, status, due_at, sent_at, members_at_send, confirmed)
     SELECT p.id, g.id, 1, 'sent', p.captured_at, p.captured_at, 40 + (g.id % 10), 30 + ((p.id * 7 + g.id) % 11)
       FROM post p, chat_group g`,
  );
  await pool.query('ANALYZE');
  return (await pool.query<{ code: string }>('SELECT code FROM post ORDER BY id LIMIT 1')).rows[0].code;
}

const TIME = '/usr/bin/time';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Runs `cmd` n times as a child process; prints the median and min wall time and, through
 * /usr/bin/time when present, the median CPU time (user + sys) — on a loaded machine the CPU time
 * is the better guess of an idle machine's wall time.
 */
async function time(label: string, n: number, cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const wall: number[] = [];
  const cpu: number[] = [];
  const timed = fs.existsSync(TIME);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await run(timed ? TIME : cmd, timed ? ['-f', 'cpu %U %S', cmd, ...args] : args, { cwd: ROOT, env, maxBuffer: 64 << 20 })
      .catch((err) => err as { code: number; stderr: string });
    wall.push(performance.now() - t0);
    if ('code' in r && r.code) throw new Error(`${label} failed (${r.code}): ${r.stderr}`);
    const m = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
    if (m) cpu.push((Number(m[1]) + Number(m[2])) * 1000);
  }
  const s = (ms: number) => `${(ms / 1000).toFixed(2).padStart(5)} s`;
  console.log(`${label.padEnd(46)} wall median ${s(median(wall))}  min ${s(Math.min(...wall))}${cpu.length ? `   cpu median ${s(median(cpu))}` : ''}   (${n} runs)`);
  return median(wall);
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cli-'));
  fs.chmodSync(dataDir, 0o755);
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  delete env.LEDGER_SECRET;
  const config = loadConfig(env);
  const db = await openDatabase(config, silentLogger());
  try {
    const code = await seed(db.pool);
    console.log(`load: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (1/5/15 min) on ${os.cpus().length} cores; node ${process.version}`);
    const n = Number(process.env.BENCH_RUNS ?? 7);
    const node = process.execPath;
    const bin = path.join(ROOT, 'bin/antifraud.js');
    await time('node bin/antifraud.js --help', n, node, [bin, '--help'], env);
    await time('node bin/antifraud.js posts', n, node, [bin, 'posts'], env);
    await time(`node bin/antifraud.js coverage ${code}`, n, node, [bin, 'coverage', code], env);
    await time(`node bin/antifraud.js coverage ${code} --by school`, n, node, [bin, 'coverage', code, '--by', 'school'], env);
    await time('node bin/antifraud.js org list (Prisma)', n, node, [bin, 'org', 'list'], env);
    // The same commands through tsx (what runs while a source differs from the build), side by side.
    const src = { ...env, ANTIFRAUD_CLI_FROM_SOURCE: '1' };
    await time('  from source (tsx) --help', n, node, [bin, '--help'], src);
    await time('  from source (tsx) posts', n, node, [bin, 'posts'], src);
    await time('npx antifraud --help (npm exec overhead)', Math.min(n, 3), 'npx', ['antifraud', '--help'], env);
    console.log(`load after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    await db.shutdown();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export default { name: 'cli', description: '`antifraud` commands as whole processes beside a running database', run: main };
