// CRASH TEST: the relay runs as a child process and is killed with SIGKILL at random points of a
// fan-out of 320 deliveries over 2 accounts, 24 times, then once more to the end. No group may get
// a post twice; every delivery ends sent, or unknown and reported; nothing is left pending.
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

function runChild(env: Record<string, string>): { child: ChildProcess; ready: Promise<void>; exited: Promise<number | null>; stderr: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/crash/relay-child.ts'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const ready = new Promise<void>((resolve) => {
    child.stdout!.on('data', (d) => {
      if (String(d).includes('ready')) resolve();
    });
    child.on('exit', () => resolve());
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, ready, exited, stderr: () => err };
}

describe('crash test', () => {
  it(`SIGKILL at random points of a 320-delivery fan-out, ${KILLS} times: no duplicates, nothing lost`, async () => {
    const world = await seedWorld(db.pool, ['crash-a', 'crash-b'], [{ kind: 'work', account: 0, count: 80 }, { kind: 'work', account: 1, count: 80 }]);
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

    const kills: number[] = [];
    for (let i = 0; i < KILLS; i++) {
      const size = fs.statSync(net).size;
      const run = runChild(env);
      await run.ready;
      // Kill during the fan-out: once this run has put something on the network, at a random later point.
      let alive = true;
      void run.exited.then(() => (alive = false));
      while (alive && fs.statSync(net).size === size) await new Promise((r) => setTimeout(r, 2));
      const after = Math.floor(Math.random() * 60);
      kills.push(after);
      await new Promise((r) => setTimeout(r, after));
      run.child.kill('SIGKILL');
      await run.exited;
    }
    const beforeLast = fs.readFileSync(net, 'utf8').trim().split('\n').filter(Boolean).length;
    const last = runChild(env);
    const code = await last.exited;
    expect(code, last.stderr()).toBe(0);

    const lines = fs.readFileSync(net, 'utf8').trim().split('\n').filter(Boolean);
    const received = lines.map((l) => l.split('\t')).map(([account, room, codes]) => ({ account, room, code: codes }));
    // 1. No group received any post twice.
    const seen = new Map<string, number>();
    for (const r of received) seen.set(`${r.room}/${r.code}`, (seen.get(`${r.room}/${r.code}`) ?? 0) + 1);
    const doubles = [...seen].filter(([, n]) => n > 1);
    expect(doubles, `kills after ready (ms): ${kills.join(',')}`).toEqual([]);

    // 2. Every delivery ended sent or unknown; nothing pending, sending, failed or skipped.
    const { rows } = await db.pool.query(
      'SELECT d.id, d.status, d.error, p.code, g.room_id FROM delivery d JOIN post p ON p.id = d.post_id JOIN chat_group g ON g.id = d.group_id',
    );
    expect(rows).toHaveLength(320);
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
    expect(byStatus('sent').length + unknown.length).toBe(320);
    console.log(`crash test: ${KILLS} kills, ${received.length} messages on the network (${beforeLast} before the last run), ${unknown.length} unknown after the kills, ${after.length} still unknown after reconciliation (never sent)`);
  }, 240_000);
});
