// Bench: an account in many big rooms logs in (prints numbers; not part of `npm test`):
//   npm run bench -- login-scale                      # 50×200, 200×300, 500×500
//   npx tsx tests/bench/login-scale.ts 500x500 --cap 300
//   npx tsx tests/bench/login-scale.ts 500x500 --relogins 2   # + the heap after each re-login
//             (with --relogins, rss and heap are peaks over the re-logins too)
// Each size runs in its own process: the REAL wechaty-puppet-wechat4u over HTTP against the fake
// web-WeChat server (tests/helpers/wechat4u-fake.ts, served by tests/bench/_wechat-server.ts in a
// process of its own), the production runtime (bot/runtime.ts) with every room registered under a
// stale room id, and an embedded PostgreSQL. Printed per size:
//   settled   seconds from `login` until every group is re-matched and the process is idle
//             (< 10 % of a core over 2 s); includes the puppet's own ~25 s wait before `ready`
//   cpu       CPU seconds of the process from login to settled
//   bot rss   peak RSS of the bot's process (the fake server's own process is not in it; its RSS
//             once settled is printed as `fake`, for information)
//   heap      peak V8 heap used by the bot's process (sampled every 100 ms)
//   #状态     ms from a `#状态` sent in a room (1 s after login, and once settled) to the reply
//   block     the longest event-loop block between login and settled: a `#状态` sent at any moment
//             is answered at most this much later than when the loop is free
// The bot's process runs as `npm start` runs it: compiled (bin/build.js builds this file's bundle into a
// temporary directory under dist/ first) with the environment of package.json's start script (the malloc settings);
// BENCH_FROM_SOURCE=1 runs it through tsx instead, BENCH_PLAIN_MALLOC=1 without those settings;
// BENCH_NODE_FLAGS="--flag …" adds node/V8 flags to it (e.g. to try heap settings).
// Diagnostics: BENCH_TRACE=1 prints the memory every second and after a full GC once settled;
// BENCH_HEAPPROF=file.heapprofile writes a sampling heap profile (garbage included) from login to
// settled (open it in Chrome DevTools' Memory tab).
import { contentSettings } from '../../bot/core/settings.ts';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SIZES = ['50x200', '200x300', '500x500'];
const file = fileURLToPath(import.meta.url);

interface Result {
  rooms: number;
  members: number;
  settledS: number | null;
  cpuS: number;
  peakMb: number;
  /** RSS of the fake server's process once settled (not part of peakMb). */
  fakeMb: number;
  statusMs: (number | null)[];
  /** The longest the event loop was blocked between login and settled (a `#状态` waits at most this long more). */
  blockMs: number;
  heapMb: number;
  matched: number;
  /** V8 heap used after a full GC once settled: after the first login, then after each re-login. */
  heapAfterLoginsMb: number[];
  /** Groups re-matched to the new session's rooms after each re-login. */
  rematchedAfterRelogins: number[];
}

const mb = (b: number) => Math.round(b / 1048576);

async function child(rooms: number, members: number, capS: number, relogins: number): Promise<Result> {
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
  const { withBenchDatabase } = await import('./_database.ts');
  const { PuppetWechat4u } = await import('wechaty-puppet-wechat4u');
  const { loadConfig } = await import('../../bot/config.ts');
  const { createLogger } = await import('../../bot/log.ts');
  const { startRuntime } = await import('../../bot/runtime.ts');
  const { createWechatBot } = await import('../../bot/wechat/bot.ts');
  const { bigWorld } = await import('../helpers/wechat4u-fake.ts');
  const { openSettings } = await import('../helpers/wechat4u-runtime.ts');
  return withBenchDatabase('login', 10, async (db) => {
    const log = createLogger({ level: 'info', destination: new Writable({ write: (_c, _e, cb) => cb() }) as never });
    // Every room is a registered parent group, recorded with a room id of an earlier session.
    const unit = await db.pool.query<{ id: number }>("INSERT INTO org_unit (name, kind) VALUES ('测试学校', 'school') RETURNING id");
    const acct = await db.pool.query<{ id: number }>("INSERT INTO bot_account (name, puppet) VALUES ('bench', 'wechaty-puppet-wechat4u') RETURNING id");
    await db.pool.query(
      `INSERT INTO chat_group (kind, org_unit_id, class_name, bot_account_id, topic, status, auto_forward, registered_by, owner_key, member_count, room_id)
       SELECT 'parent', $1, i || '班', $2, '测试学校' || i || '班家长群', 'active', true, '家长' || i || '-1', 'k', $3, '@@stale' || i
         FROM generate_series(0, $4 - 1) AS i`,
      [unit.rows[0].id, acct.rows[0].id, members, rooms],
    );
    const fake = await startFakeServer(rooms, members);
    gc();
    const rss0 = process.memoryUsage().rss;
    let peak = process.memoryUsage().rss;
    let peakHeap = 0;
    const t0 = performance.now();
    let lastTrace = 0;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peak = Math.max(peak, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
      if (process.env.BENCH_TRACE && performance.now() - lastTrace > 1000) {
        lastTrace = performance.now();
        process.stderr.write(`t=${((lastTrace - t0) / 1000).toFixed(1)} rss=${mb(m.rss)} heapUsed=${mb(m.heapUsed)} heapTotal=${mb(m.heapTotal)} external=${mb(m.external)} arrayBuffers=${mb(m.arrayBuffers)}\n`);
      }
    }, 100);

    // (the puppet saves the session there; without the directory a re-login stopped at that save)
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-login-'));
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    const ctx = { db: { ...db }, clock: { now: () => new Date(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) }, log, config: loadConfig({}), settings: { ...contentSettings(), sources: { channels: [], feeds: [], admins: [], pollMinutes: 30 }, relay: openSettings() }, ledgerSecret: 'x'.repeat(32) };
    const bot = createWechatBot({ name: 'bench', dataDir: dir, puppet: 'wechaty-puppet-wechat4u', puppetInstance: new PuppetWechat4u(), log, printQr: false });
    let loginAt = 0;
    let cpuAtLogin = process.cpuUsage();
    const prof = process.env.BENCH_HEAPPROF ? new (await import('node:inspector')).Session() : undefined;
    const post = (m: string, p?: object) => new Promise<{ profile?: unknown }>((res, rej) => prof!.post(m, p ?? {}, (e, r) => (e ? rej(e) : res(r as { profile?: unknown }))));
    const loop = monitorEventLoopDelay({ resolution: 10 });
    if (prof) {
      prof.connect();
      await post('HeapProfiler.enable');
    }
    bot.wechaty.once('login', () => {
      if (prof) void post('HeapProfiler.startSampling', { samplingInterval: 65536, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
      loop.enable();
      loginAt = performance.now();
      cpuAtLogin = process.cpuUsage();
    });
    const runtime = await startRuntime(ctx as never, [{ name: 'bench', puppet: 'wechaty-puppet-wechat4u', wechat: bot }], {
      schedules: { jobs: [], problems: [] },
    });
    while (!loginAt) await new Promise((r) => setTimeout(r, 50));

    /** Sends #状态 in room 0 and waits for the bot's reply there. */
    const status = async (): Promise<number | null> => {
      const [room] = bigWorld(1, 2);
      const sent = async () => (await fake.control<{ count: number }>(`sends?room=${encodeURIComponent(room.UserName)}`)).count;
      const before = await sent();
      const t = performance.now();
      await fake.control('room-text', { room: room.UserName, member: room.MemberList![1].UserName, text: '#状态' });
      while (performance.now() - t < 60_000) {
        if ((await sent()) > before) return Math.round(performance.now() - t);
        await new Promise((r) => setTimeout(r, 20));
      }
      return null;
    };
    await new Promise((r) => setTimeout(r, 1000));
    const statusMs = [await status()];

    const matchedNow = async () =>
      Number((await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM chat_group WHERE room_id NOT LIKE '@@stale%'")).rows[0].n);
    let settledS: number | null = null;
    let matched = 0;
    let last = process.cpuUsage();
    let lastT = performance.now();
    while ((performance.now() - loginAt) / 1000 < capS) {
      await new Promise((r) => setTimeout(r, 2000));
      const c = process.cpuUsage(last);
      const busy = (c.user + c.system) / 1000 / (performance.now() - lastT);
      last = process.cpuUsage();
      lastT = performance.now();
      matched = await matchedNow();
      if (matched === rooms && busy < 0.1) {
        settledS = Math.round((performance.now() - loginAt) / 100) / 10;
        break;
      }
    }
    const cpu = process.cpuUsage(cpuAtLogin);
    loop.disable();
    if (prof) {
      const { profile } = await post('HeapProfiler.stopSampling');
      fs.writeFileSync(process.env.BENCH_HEAPPROF!, JSON.stringify(profile));
    }
    if (settledS !== null) statusMs.push(await status());
    gc();
    const settledMem = process.memoryUsage();
    if (process.env.BENCH_TRACE) process.stderr.write(`mem: before login ${mb(rss0)} MB rss; settled, after a full GC: rss ${mb(settledMem.rss)} MB, heap used ${mb(settledMem.heapUsed)} MB\n`);
    const heapAfterLoginsMb = [mb(settledMem.heapUsed)];
    const rematchedAfterRelogins: number[] = [];
    // Re-logins (the server ends the session; every id changes): what each one leaves in the heap.
    for (let i = 1; i <= relogins && settledS !== null; i++) {
      await fake.control('relogin', {});
      const deadline = performance.now() + capS * 1000;
      const rematched = async () =>
        Number((await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM chat_group WHERE room_id LIKE $1', [`%e${i}`])).rows[0].n);
      while (performance.now() < deadline && ((await fake.control<{ epoch: number }>('state')).epoch < i || (await rematched()) < rooms)) await new Promise((r) => setTimeout(r, 2000));
      rematchedAfterRelogins.push(await rematched());
      await new Promise((r) => setTimeout(r, 5000));
      gc();
      heapAfterLoginsMb.push(mb(process.memoryUsage().heapUsed));
    }
    clearInterval(sampler);
    const fakeMb = (await fake.control<{ rssMb: number }>('state')).rssMb;
    fake.stop();
    void runtime.stop().catch(() => undefined);
    return { rooms, members, settledS, cpuS: Math.round((cpu.user + cpu.system) / 1e5) / 10, peakMb: mb(peak), fakeMb, statusMs, matched, blockMs: Math.round(loop.max / 1e6), heapMb: mb(peakHeap), heapAfterLoginsMb, rematchedAfterRelogins };
  });
}

/**
 * Starts the fake web-WeChat in a process of its own (tests/bench/_wechat-server.ts) and routes every
 * request of wechat4u's axios to it through axios's own HTTP adapter: the bot's process receives bytes,
 * decodes and parses them as it does from wx.qq.com.
 */
async function startFakeServer(rooms: number, members: number) {
  // (import.meta.dirname: this file's source directory, also in the compiled bundle; see bin/build.js)
  const server = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, '_wechat-server.ts'), `${rooms}x${members}`], {
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: path.join(import.meta.dirname, '../..'),
  });
  process.once('exit', () => server.kill('SIGKILL'));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    server.once('exit', (code) => reject(new Error(`the fake web-WeChat server exited (${code})`)));
  });
  const requireHere = createRequire(import.meta.url);
  const axios = createRequire(requireHere.resolve('wechat4u'))('axios') as {
    defaults: { adapter?: unknown };
    getAdapter(name: string): (config: { url?: string }) => Promise<unknown>;
  };
  const overHttp = axios.getAdapter('http');
  axios.defaults.adapter = (config: { url?: string }) => {
    const u = new URL(config.url!);
    return overHttp({ ...config, url: `http://127.0.0.1:${port}/${u.host}${u.pathname}${u.search}` });
  };
  const base = `http://127.0.0.1:${port}/__bench/`;
  return {
    /** A bench control of the server (see _wechat-server.ts): GET without a body, POST with one. */
    control: async <T = unknown>(what: string, body?: object): Promise<T> => {
      const res = await fetch(base + what, body ? { method: 'POST', body: JSON.stringify(body) } : {});
      if (!res.ok) throw new Error(`fake server: ${what}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
    stop: () => void server.kill('SIGTERM'),
  };
}

/** Extra seconds a child gets beyond the cap (database start, the two #状态, shutdown) before it is killed. */
const GRACE_S = 120;

/** What the bot's process is started with: the compiled bundle of this file (or the source through tsx), and the environment. */
interface ChildRun {
  args: string[];
  env: NodeJS.ProcessEnv;
  how: string;
}

/** `VAR=value` settings at the start of package.json's start script (what `npm start` sets). */
function startScriptEnv(): Record<string, string> {
  const pkg = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../../package.json'), 'utf8')) as { scripts: { start: string } };
  const env: Record<string, string> = {};
  for (const m of pkg.scripts.start.matchAll(/(?:^|\s)([A-Z_][A-Z0-9_]*)=(\S+)/g)) env[m[1]] = m[2];
  return env;
}

async function childRun(): Promise<ChildRun> {
  const malloc = process.env.BENCH_PLAIN_MALLOC === '1' ? {} : startScriptEnv();
  const env = { ...process.env, ...malloc };
  const flags = ['--expose-gc', ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [])];
  const how = Object.keys(malloc).join(' ') || 'plain malloc';
  if (process.env.BENCH_FROM_SOURCE === '1') return { args: [...flags, '--import', 'tsx', file], env, how: `through tsx, ${how}` };
  // (inside the project, so that the bundle finds node_modules)
  fs.mkdirSync(path.join(import.meta.dirname, '../../dist'), { recursive: true });
  const out = fs.mkdtempSync(path.join(import.meta.dirname, '../../dist/bench-login-'));
  process.once('exit', () => fs.rmSync(out, { recursive: true, force: true }));
  // @ts-expect-error: bin/build.js is plain JavaScript without types
  const { build } = (await import('../../bin/build.js')) as { build(outdir: string, entries: string[]): Promise<number> };
  await build(out, [file]);
  return { args: [...flags, path.join(out, 'login-scale.js')], env, how: `compiled, ${how}` };
}

function runChild(run: ChildRun, size: string, capS: number, relogins: number): Promise<Result | string> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [...run.args, '--child', size, '--cap', String(capS), '--relogins', String(relogins)], { stdio: ['ignore', 'pipe', 'inherit'], env: run.env });
    let out = '';
    let killed = false;
    // A child whose event loop is blocked never reaches its own cap: it must not outlive the bench
    // (its embedded database has the bot's watchdog and stops with it).
    const timer = setTimeout(() => {
      killed = true;
      p.kill('SIGKILL');
    }, (capS * (1 + relogins) + GRACE_S) * 1000);
    const onSignal = () => {
      p.kill('SIGKILL');
      process.exit(130);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    p.stdout.on('data', (d) => (out += d));
    p.on('exit', (code) => {
      clearTimeout(timer);
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      resolve(line ? (JSON.parse(line.slice(7)) as Result) : killed ? `killed: no result ${capS + GRACE_S} s after start` : `exit ${code}`);
    });
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const cap = Number(args[args.indexOf('--cap') + 1]) || 300;
  const relogins = args.includes('--relogins') ? Number(args[args.indexOf('--relogins') + 1]) || 0 : 0;
  if (args[0] === '--child') {
    const [rooms, members] = args[1].split('x').map(Number);
    const r = await child(rooms, members, cap, relogins);
    process.stdout.write(`RESULT ${JSON.stringify(r)}\n`);
    process.exit(0);
  }
  const sizes = args.filter((a) => /^\d+x\d+$/.test(a));
  const run = await childRun();
  console.log(`load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} on ${os.cpus().length} cores; cap ${cap} s per size; the bot's process ${run.how}`);
  console.log('rooms×members  settled  cpu      bot rss  heap   fake   #状态 at login / settled   block     matched');
  for (const size of sizes.length ? sizes : SIZES) {
    const r = await runChild(run, size, cap, relogins);
    if (typeof r === 'string') {
      console.log(`${size.padEnd(14)} failed (${r})`);
      continue;
    }
    const s = r.settledS === null ? `>${cap} s` : `${r.settledS} s`;
    const st = r.statusMs.map((x) => (x === null ? 'no answer' : `${x} ms`)).join(' / ');
    console.log(
      `${size.padEnd(14)} ${s.padEnd(8)} ${`${r.cpuS} s`.padEnd(8)} ${`${r.peakMb} MB`.padEnd(8)} ${`${r.heapMb}`.padEnd(6)} ${`${r.fakeMb}`.padEnd(6)} ${st.padEnd(27)} ${`${r.blockMs} ms`.padEnd(9)} ${r.matched}/${r.rooms}`,
    );
    if (r.heapAfterLoginsMb.length > 1) {
      console.log(`${''.padEnd(14)} heap after a full GC, after login 1${r.heapAfterLoginsMb.slice(1).map((_, k) => `, ${k + 2}`).join('')}: ${r.heapAfterLoginsMb.join(' / ')} MB (re-matched after each re-login: ${r.rematchedAfterRelogins.join(', ')} of ${r.rooms})`);
    }
  }
}

export default { name: 'login-scale', description: 'an account in many big rooms: login → settled, CPU, RSS, #状态', run: main };

if (process.argv[1] === file) await main().then(() => process.exit(0));
