// The relay worker's steps and their guards: due-now posts before a late group's backlog, every
// completion guarded by the claim, a send error classified by its class (not its shape).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SendError } from '../../bot/chat-types.ts';
import { fixedClock } from '../../bot/clock.ts';
import { claimDue, finish, recoverSending, release } from '../../bot/relay/deliveries.ts';
import { planLateGroup, planPost } from '../../bot/relay/plan.ts';
import { startWorker } from '../../bot/relay/worker.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';
import { captureLog } from '../helpers/log.ts';
import { addPost, RecordingChat, seedWorld, testContext, testSettings, type World } from '../helpers/relay-world.ts';

const bj = (local: string) => new Date(`${local}+08:00`);

let db: TestDb;
beforeAll(async () => {
  db = await freshDb();
});
afterAll(async () => db.drop());
beforeEach(async () => {
  await db.pool.query('DELETE FROM delivery; DELETE FROM chat_group; DELETE FROM post');
});

let seq = 0;
const names = (...n: string[]) => n.map((x) => `${x}-steps-${++seq}`);
const account = (world: World, chat: RecordingChat) => ({ id: world.accounts[0].id, name: world.accounts[0].name, chat });
/** The post code in the first line of a relayed text ("【反诈宣传 F12】…"). */
const codeOf = (text: string) => /\b(F\d+)\b/.exec(text.split("\n")[0])?.[1];

describe('due-now posts before a late group backlog', () => {
  it('a post due at 19:00 reaches every group before the backlog of late-registered groups (the 19:09 bug)', async () => {
    const clock = fixedClock(bj('2026-11-27T17:00'));
    const ctx = testContext(db, clock);
    // One class group registered long ago, four registered this afternoon (auto-forward on).
    const world = await seedWorld(db.pool, names('late'), [{ kind: 'parent', account: 0, count: 5 }]);
    const [old, ...late] = world.groups;
    const days = (n: number) => new Date(clock.now().getTime() - n * 86_400_000);
    const backlog = [];
    for (let i = 0; i < 5; i++) backlog.push(await addPost(db.pool, world, { capturedAt: days(1 + i * 0.4), title: `旧推送 ${i}` }));
    // At 17:00 the late groups get the backlog, due when the parent window opens (19:00).
    for (const g of late) expect((await planLateGroup(ctx, g.id, testSettings())).pending).toBe(5);
    // At 18:30 a new post is captured: due at 19:00 for all five groups, planned after the backlog.
    clock.set(bj('2026-11-27T18:30'));
    const fresh = await addPost(db.pool, world, { title: '今晚必读' });
    expect((await planPost(ctx, fresh.id, testSettings())).pending).toBe(5);

    clock.set(bj('2026-11-27T19:00'));
    const chat = new RecordingChat(world.accounts[0].name, clock);
    await startWorker(ctx, account(world, chat), { settings: testSettings(), stopWhenIdle: true }).done;

    const codes = chat.sent.map((s) => codeOf((s.out as { text: string }).text));
    expect(codes).toHaveLength(5 + 4 * 5);
    // The fresh post goes first to every group, then the backlog.
    expect(codes.slice(0, 5)).toEqual(Array(5).fill(fresh.code));
    expect(new Set(codes.slice(5))).toEqual(new Set(backlog.map((p) => p.code)));
    const freshSends = chat.sent.slice(0, 5);
    expect(freshSends.map((s) => s.roomId).sort()).toEqual([old, ...late].map((g) => g.roomId).sort());
    // Five sends with 4–10 s gaps: the last group has it well within the first minute.
    expect(freshSends[4].at.getTime() - bj('2026-11-27T19:00').getTime()).toBeLessThan(60_000);
  });

  it('a post that becomes due while the worker is in a backlog batch goes next', async () => {
    const clock = fixedClock(bj('2026-11-27T19:00'));
    const ctx = testContext(db, clock);
    const world = await seedWorld(db.pool, names('preempt'), [{ kind: 'parent', account: 0, count: 2 }]);
    const [late] = world.groups;
    for (let i = 0; i < 6; i++) await addPost(db.pool, world, { capturedAt: new Date(clock.now().getTime() - 86_400_000), title: `旧推送 ${i}` });
    expect((await planLateGroup(ctx, late.id, testSettings())).pending).toBe(6);
    const chat = new RecordingChat(world.accounts[0].name, clock);
    let urgent: { id: number; code: string } | undefined;
    chat.onSay = async (_room, _out, n) => {
      if (n !== 1) return;
      // While the first backlog row is being sent (a batch of 5 is claimed), an urgent post arrives.
      urgent = await addPost(db.pool, world, { urgent: true, title: '紧急提醒' });
      await planPost(ctx, urgent.id, testSettings());
    };
    await startWorker(ctx, account(world, chat), { settings: testSettings({ claimBatch: 5 }), stopWhenIdle: true }).done;
    const codes = chat.sent.map((s) => codeOf((s.out as { text: string }).text));
    expect(codes).toHaveLength(6 + 2);
    expect(urgent).toBeDefined();
    // One backlog send was under way; the urgent post goes to both groups right after it.
    expect(codes[0]).not.toBe(urgent!.code);
    expect(codes.slice(1, 3)).toEqual([urgent!.code, urgent!.code]);
  });
});

describe('every completion is guarded by the claim', () => {
  it('finish and release change a row only while this worker still holds its claim', async () => {
    const clock = fixedClock(bj('2026-11-27T09:00'));
    const ctx = testContext(db, clock);
    const world = await seedWorld(db.pool, names('guard'), [{ kind: 'work', account: 0, count: 2 }]);
    const post = await addPost(db.pool, world, {});
    await planPost(ctx, post.id, testSettings());
    const accountId = world.accounts[0].id;
    const [a, b] = await claimDue(db.pool, accountId, 'p1', clock.now(), 10);
    expect(b).toBeDefined();
    // p1 loses its lock; another process recovers the rows (never begun: back to pending) and claims them.
    expect(await recoverSending(db.pool, accountId, clock.now())).toEqual({ requeued: 2, unknown: 0 });
    const again = await claimDue(db.pool, accountId, 'p2', clock.now(), 10);
    expect(again.map((d) => d.id).sort()).toEqual([a.id, b.id].sort());
    expect(await finish(db.pool, { id: a.id, by: 'p2' }, 'sent', { now: clock.now() })).toBe(true);
    // The stale worker's completions change nothing.
    expect(await finish(db.pool, { id: a.id, by: 'p1' }, 'unknown', { now: clock.now(), error: 'stale' })).toBe(false);
    expect(await finish(db.pool, { id: b.id, by: 'p1' }, 'failed', { now: clock.now(), error: 'stale' })).toBe(false);
    expect(await release(db.pool, [a.id, b.id], 'p1', { now: clock.now(), uncount: true })).toBe(0);
    const row = async (id: number) => (await db.pool.query('SELECT status, claimed_by, error FROM delivery WHERE id = $1', [id])).rows[0];
    expect(await row(a.id)).toEqual({ status: 'sent', claimed_by: 'p2', error: null });
    expect(await row(b.id)).toEqual({ status: 'sending', claimed_by: 'p2', error: null });
    expect(await release(db.pool, [b.id], 'p2', { now: clock.now(), uncount: true })).toBe(1);
  });

  it('a worker whose row was recovered while it was sending does not overwrite the recovered outcome', async () => {
    const clock = fixedClock(bj('2026-11-27T09:00'));
    const cap = captureLog('warn');
    const ctx = testContext(db, clock, cap.log);
    const world = await seedWorld(db.pool, names('stale'), [{ kind: 'work', account: 0 }]);
    const post = await addPost(db.pool, world, {});
    await planPost(ctx, post.id, testSettings());
    const chat = new RecordingChat(world.accounts[0].name, clock);
    chat.onSay = async () => {
      // Meanwhile another process judged this worker dead and recovered its begun row.
      await db.pool.query(
        "UPDATE delivery SET status = 'unknown', error = 'recovered by p2' WHERE post_id = $1 AND status = 'sending'",
        [post.id],
      );
    };
    await startWorker(ctx, account(world, chat), { settings: testSettings(), stopWhenIdle: true, workerId: 'p1' }).done;
    expect(chat.sent).toHaveLength(1);
    const { rows } = await db.pool.query('SELECT status, error FROM delivery WHERE post_id = $1', [post.id]);
    expect(rows).toEqual([{ status: 'unknown', error: 'recovered by p2' }]);
    expect(cap.messages()).toContain('the claim on this delivery was lost (another process recovered it); outcome "sent" not recorded');
  });
});

describe('send errors are told apart by their class', () => {
  it('an error that only looks like a refusal is an unknown outcome, never retried', async () => {
    const clock = fixedClock(bj('2026-11-27T09:00'));
    const ctx = testContext(db, clock);
    const world = await seedWorld(db.pool, names('shape'), [{ kind: 'work', account: 0, count: 2 }]);
    const [lookalike, real] = world.groups;
    const chat = new RecordingChat(world.accounts[0].name, clock);
    chat.onSay = (room) => {
      if (room === lookalike.roomId) throw Object.assign(new Error('Ret 1204 (from some other layer)'), { opts: { sent: false, badTarget: true } });
      if (room === real.roomId) throw new SendError('Ret 1204', { sent: false, badTarget: true });
    };
    const post = await addPost(db.pool, world, {});
    await planPost(ctx, post.id, testSettings());
    await startWorker(ctx, account(world, chat), { settings: testSettings(), stopWhenIdle: true }).done;
    const { rows } = await db.pool.query('SELECT group_id, status, error FROM delivery WHERE post_id = $1', [post.id]);
    const byGroup = new Map(rows.map((r) => [r.group_id, r]));
    expect(byGroup.get(lookalike.id)).toMatchObject({ status: 'unknown' });
    expect(byGroup.get(real.id)).toMatchObject({ status: 'failed', error: 'Ret 1204' });
  });
});
