// CRASH TEST (scale-out): three relay processes run at once against one PostgreSQL server that none
// of them started (the test run's embedded server, reached by URL like DATABASE_URL), each with a
// worker for every account: the per-account lock makes one process the sender of an account and the
// others stand by. During a fan-out of 480 deliveries over 3 accounts a random process is killed with
// SIGKILL 24 times and started again at once. No group may get a post twice; every delivery ends
// sent, or unknown and reported; nothing is left pending.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../bot/clock.ts';
import { planPost } from '../../bot/relay/plan.ts';
import { reconcileOwnMessage } from '../../bot/relay/reconcile.ts';
import { unknownDeliveries } from '../../bot/relay/report.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';
import { addPost, RecordingChat, seedWorld, testContext, testSettings } from '../helpers/relay-world.ts';

const KILLS = 24;
const PROCESSES = 3;
const ACCOUNTS = ['crash-a', 'crash-b', 'crash-c'];
const GROUPS_PER_ACCOUNT = 80;
const TOTAL = ACCOUNTS.length * GROUPS_PER_ACCOUNT * 2; // two posts
let db: TestDb;
let dir: string;
beforeAll(async () => {
  db = await freshDb();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-crash-'));
});
afterAll(async () => {
  await db.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Child {
  child: ChildProcess;
  ready: Promise<void>;
  isReady: () => boolean;
  exited: Promise<number | null>;
  alive: () => boolean;
  stderr: () => string;
}

function runChild(env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/crash/relay-child.ts'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  let ready = false;
  let alive = true;
  child.stderr!.on('data', (d) => (err += d));
  const readyP = new Promise<void>((resolve) => {
    child.stdout!.on('data', (d) => {
      if (String(d).includes('ready')) {
        ready = true;
        resolve();
      }
    });
    child.on('exit', () => resolve());
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      alive = false;
      resolve(code);
    }),
  );
  return { child, ready: readyP, isReady: () => ready && alive, exited, alive: () => alive, stderr: () => err };
}

const lineCount = (file: string) => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length;

describe('crash test', () => {
  it(`${PROCESSES} processes, SIGKILL of a random one ${KILLS} times during a ${TOTAL}-delivery fan-out over ${ACCOUNTS.length} accounts: no duplicates, nothing lost`, async () => {
    const world = await seedWorld(db.pool, ACCOUNTS, ACCOUNTS.map((_, i) => ({ kind: 'work' as const, account: i, count: GROUPS_PER_ACCOUNT })));
    // Never quiet, always inside a window: the test runs at any hour of the real clock.
    const settings = testSettings(
      { gapMs: [2, 6], perMinute: 1_000_000, dailyCap: 100_000, claimBatch: 5, pollMs: 50, sendTimeoutMs: 5_000, progressEvery: 1000 },
      { quiet: { from: '00:00', to: '00:00' } },
    );
    const ctx = testContext(db, systemClock);
    const posts = [await addPost(db.pool, world, { urgent: true }), await addPost(db.pool, world, { urgent: true })];
    for (const p of posts) await planPost(ctx, p.id, settings);
    const net = path.join(dir, 'network.log');
    fs.writeFileSync(net, '');
    const env = {
      CRASH_DB_URL: db.url,
      CRASH_ACCOUNTS: JSON.stringify(world.accounts),
      CRASH_SETTINGS: JSON.stringify(settings),
      CRASH_NET_FILE: net,
    };
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const open = async () => (await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM delivery WHERE status IN ('pending', 'sending')")).rows[0].n;

    const procs: Child[] = Array.from({ length: PROCESSES }, () => runChild(env));
    const kills: { afterMs: number; hadSent: boolean; open: number }[] = [];
    let seenLines = 0;
    while (kills.length < KILLS) {
      // Kill during the fan-out: once something more went out since the last kill, at a random later point.
      const waitUntil = Date.now() + 60_000;
      while (lineCount(net) === seenLines && Date.now() < waitUntil && procs.some((p) => p.alive())) await sleep(2);
      const left = await open();
      if (left === 0) break; // the fan-out is over
      const ready = procs.map((p, i) => ({ p, i })).filter((x) => x.p.isReady());
      if (!ready.length) {
        await Promise.race(procs.map((p) => p.ready));
        continue;
      }
      const { p: victim, i } = ready[Math.floor(Math.random() * ready.length)];
      const afterMs = Math.floor(Math.random() * 60);
      await sleep(afterMs);
      if (!victim.alive()) continue;
      victim.child.kill('SIGKILL');
      await victim.exited;
      const pidText = `\t${victim.child.pid}\n`;
      kills.push({ afterMs, hadSent: fs.readFileSync(net, 'utf8').includes(pidText), open: left });
      seenLines = lineCount(net);
      procs[i] = runChild(env); // at once: three processes again
    }
    // The survivors and the restarted ones finish the fan-out and stop when idle.
    const codes = await Promise.all(procs.map((p) => p.exited));
    procs.forEach((p, i) => expect(codes[i], p.stderr()).toBe(0));
    const lines = fs.readFileSync(net, 'utf8').trim().split('\n').filter(Boolean);
    const received = lines.map((l) => l.split('\t')).map(([account, room, codes]) => ({ account, room, code: codes }));
    // 1. No group received any post twice.
    const seen = new Map<string, number>();
    for (const r of received) seen.set(`${r.room}/${r.code}`, (seen.get(`${r.room}/${r.code}`) ?? 0) + 1);
    const doubles = [...seen].filter(([, n]) => n > 1);
    expect(doubles, `kills: ${JSON.stringify(kills)}`).toEqual([]);

    // 2. Every delivery ended sent or unknown; nothing pending, sending, failed or skipped.
    const { rows } = await db.pool.query(
      'SELECT d.id, d.status, d.error, p.code, g.room_id FROM delivery d JOIN post p ON p.id = d.post_id JOIN chat_group g ON g.id = d.group_id',
    );
    expect(rows).toHaveLength(TOTAL);
    const byStatus = (s: string) => rows.filter((r) => r.status === s);
    expect(rows.filter((r) => r.status !== 'sent' && r.status !== 'unknown')).toEqual([]);
    // 3. "sent" is true: every sent row reached the network.
    for (const r of byStatus('sent')) expect(seen.has(`${r.room_id}/${r.code}`), `${r.code} ${r.room_id}`).toBe(true);
    // 4. Unknowns are reported, with a reason.
    const unknown = byStatus('unknown');
    const reported = new Set((await unknownDeliveries(db.pool)).map((r) => r.id));
    for (const r of unknown) {
      expect(reported.has(r.id)).toBe(true);
      expect(r.error).toMatch(/not resent automatically/);
    }
    // 5. The echoes of the bot's own messages reconcile the unknowns that did go out.
    const chat = new RecordingChat('echo', systemClock);
    for (const r of received) {
      const acct = world.accounts.find((a) => a.name === r.account)!;
      await reconcileOwnMessage(ctx, { id: acct.id, name: acct.name, chat }, { roomId: r.room, text: `【反诈宣传 ${r.code}】`, at: new Date() });
    }
    const { rows: after } = await db.pool.query(
      "SELECT d.status, p.code, g.room_id FROM delivery d JOIN post p ON p.id = d.post_id JOIN chat_group g ON g.id = d.group_id WHERE d.status = 'unknown'",
    );
    for (const r of after) expect(seen.has(`${r.room_id}/${r.code}`)).toBe(false);
    expect(byStatus('sent').length + unknown.length).toBe(TOTAL);
    // The kills happened during the fan-out, and some hit a process that was sending.
    expect(kills.length).toBeGreaterThanOrEqual(KILLS / 2);
    expect(kills.filter((k) => k.hadSent).length).toBeGreaterThan(0);
    console.log(
      `crash test: ${PROCESSES} processes, ${kills.length} kills during the fan-out (${kills.filter((k) => k.hadSent).length} of a process that had sent), ` +
        `${received.length} messages on the network for ${TOTAL} deliveries, 0 twice; ${byStatus('sent').length} sent, ${unknown.length} unknown after the kills, ` +
        `${after.length} still unknown after reconciliation (never sent)`,
    );
  }, 480_000); // ~4 min on a machine loaded ~20 by other work; the 27 process starts dominate
});
