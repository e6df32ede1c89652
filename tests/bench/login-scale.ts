// Bench: an account in many big rooms logs in (prints numbers; not part of `npm test`):
//   npm run bench -- login-scale                      # 50×200, 200×300, 500×500
//   npx tsx tests/bench/login-scale.ts 500x500 --cap 300
//   npx tsx tests/bench/login-scale.ts 500x500 --relogins 2   # + the heap after each re-login
//             (with --relogins, rss and heap are peaks over the re-logins too)
// Each size runs in its own process: the REAL wechaty-puppet-wechat4u against the fake web-WeChat
// server (tests/helpers/wechat4u-fake.ts, same process: it is wechat4u's axios adapter), the
// production runtime (bot/runtime.ts) with every room registered under a stale room id, and an
// embedded PostgreSQL. Printed per size:
//   settled   seconds from `login` until every group is re-matched and the process is idle
//             (< 10 % of a core over 2 s); includes the puppet's own ~25 s wait before `ready`
//   cpu       CPU seconds of the process from login to settled
//   rss       peak RSS of the process; fake = what the fake's world adds (measured before login);
//             bot = rss − fake
//   heap      peak V8 heap used (sampled every 100 ms), fake included
//   #状态     ms from a `#状态` sent in a room (1 s after login, and once settled) to the reply
//   block     the longest event-loop block between login and settled: a `#状态` sent at any moment
//             is answered at most this much later than when the loop is free
// Diagnostics: BENCH_TRACE=1 prints the memory every second and after a full GC once settled;
// BENCH_HEAPPROF=file.heapprofile writes a sampling heap profile (garbage included) from login to
// settled (open it in Chrome DevTools' Memory tab).
import { contentSettings } from '../../bot/core/settings.ts';
import { spawn } from 'node:child_process';
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
  const { installWebWechatFake, bigWorld, BOT } = await import('../helpers/wechat4u-fake.ts');
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
    gc();
    const rss0 = process.memoryUsage().rss;
    const fake = installWebWechatFake(bigWorld(rooms, members));
    gc();
    const fakeBytes = Math.max(0, process.memoryUsage().rss - rss0);
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
        process.stderr.write(`t=${((lastTrace - t0) / 1000).toFixed(1)} rss=${mb(m.rss)} heapUsed=${mb(m.heapUsed)} heapTotal=${mb(m.heapTotal)}\n`);
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
      const roomId = fake.id(bigWorld(1, 2)[0].UserName);
      const before = fake.sends.filter((s) => s.to === roomId).length;
      const t = performance.now();
      fake.roomText(roomId, bigWorld(1, 2)[0].MemberList![1].UserName, '#状态');
      while (performance.now() - t < 60_000) {
        if (fake.sends.filter((s) => s.to === roomId).length > before) return Math.round(performance.now() - t);
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
    if (process.env.BENCH_TRACE) process.stderr.write(`mem: before the fake ${mb(rss0)} MB rss; settled, after a full GC: rss ${mb(settledMem.rss)} MB, heap used ${mb(settledMem.heapUsed)} MB\n`);
    const heapAfterLoginsMb = [mb(settledMem.heapUsed)];
    const rematchedAfterRelogins: number[] = [];
    // Re-logins (the server ends the session; every id changes): what each one leaves in the heap.
    for (let i = 1; i <= relogins && settledS !== null; i++) {
      fake.relogin();
      const deadline = performance.now() + capS * 1000;
      const rematched = async () =>
        Number((await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM chat_group WHERE room_id LIKE $1', [`%e${i}`])).rows[0].n);
      while (performance.now() < deadline && (fake.epoch() < i || (await rematched()) < rooms)) await new Promise((r) => setTimeout(r, 2000));
      rematchedAfterRelogins.push(await rematched());
      await new Promise((r) => setTimeout(r, 5000));
      gc();
      heapAfterLoginsMb.push(mb(process.memoryUsage().heapUsed));
    }
    clearInterval(sampler);
    void BOT;
    void runtime.stop().catch(() => undefined);
    return { rooms, members, settledS, cpuS: Math.round((cpu.user + cpu.system) / 1e5) / 10, peakMb: mb(peak), fakeMb: mb(fakeBytes), statusMs, matched, blockMs: Math.round(loop.max / 1e6), heapMb: mb(peakHeap), heapAfterLoginsMb, rematchedAfterRelogins };
  });
}

/** Extra seconds a child gets beyond the cap (database start, the two #状态, shutdown) before it is killed. */
const GRACE_S = 120;

function runChild(size: string, capS: number, relogins: number): Promise<Result | string> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', file, '--child', size, '--cap', String(capS), '--relogins', String(relogins)], { stdio: ['ignore', 'pipe', 'inherit'] });
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
  console.log(`load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} on ${os.cpus().length} cores; cap ${cap} s per size`);
  console.log('rooms×members  settled  cpu      rss    fake   bot      heap   #状态 at login / settled   block     matched');
  for (const size of sizes.length ? sizes : SIZES) {
    const r = await runChild(size, cap, relogins);
    if (typeof r === 'string') {
      console.log(`${size.padEnd(14)} failed (${r})`);
      continue;
    }
    const s = r.settledS === null ? `>${cap} s` : `${r.settledS} s`;
    const st = r.statusMs.map((x) => (x === null ? 'no answer' : `${x} ms`)).join(' / ');
    console.log(
      `${size.padEnd(14)} ${s.padEnd(8)} ${`${r.cpuS} s`.padEnd(8)} ${`${r.peakMb}`.padEnd(6)} ${`${r.fakeMb}`.padEnd(6)} ${`${r.peakMb - r.fakeMb} MB`.padEnd(8)} ${`${r.heapMb}`.padEnd(6)} ${st.padEnd(27)} ${`${r.blockMs} ms`.padEnd(9)} ${r.matched}/${r.rooms}`,
    );
    if (r.heapAfterLoginsMb.length > 1) {
      console.log(`${''.padEnd(14)} heap after a full GC, after login 1${r.heapAfterLoginsMb.slice(1).map((_, k) => `, ${k + 2}`).join('')}: ${r.heapAfterLoginsMb.join(' / ')} MB (re-matched after each re-login: ${r.rematchedAfterRelogins.join(', ')} of ${r.rooms})`);
    }
  }
}

export default { name: 'login-scale', description: 'an account in many big rooms: login → settled, CPU, RSS, #状态', run: main };

if (process.argv[1] === file) await main().then(() => process.exit(0));
