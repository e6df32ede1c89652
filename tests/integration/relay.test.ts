import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../bot/app.ts';
import { SendError, type GroupMessage } from '../../bot/chat-types.ts';
import { fixedClock } from '../../bot/clock.ts';
import { connect } from '../../bot/db/client.ts';
import { planLateGroup, planPost } from '../../bot/relay/plan.ts';
import { relayReconciler } from '../../bot/relay/reconcile.ts';
import { deliveriesOf, unknownDeliveries } from '../../bot/relay/report.ts';
import { throttleAccount } from '../../bot/relay/throttle.ts';
import { localMinute } from '../../bot/core/time.ts';
import { startWorker } from '../../bot/relay/worker.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';
import { captureLog } from '../helpers/log.ts';
import { addPost, fastClock, RecordingChat, seedWorld, testContext, testSettings, type World } from '../helpers/relay-world.ts';
import { groupInbound } from '../../bot/core/inbound.ts';

const TZ = 'Asia/Shanghai';
const bj = (local: string) => new Date(`${local}+08:00`);
const local = (d: Date) => localMinute(d, TZ);

let db: TestDb;
beforeAll(async () => {
  db = await freshDb();
});
afterAll(async () => db.drop());

// Each test builds its own groups and accounts on an empty delivery log.
beforeEach(async () => {
  await db.pool.query('DELETE FROM delivery; DELETE FROM chat_group; DELETE FROM post');
});

let accountSeq = 0;
const names = (...n: string[]) => n.map((x) => `${x}-${++accountSeq}`);

async function rows(postId: number) {
  const { rows } = await db.pool.query(
    'SELECT d.*, g.kind, g.room_id FROM delivery d JOIN chat_group g ON g.id = d.group_id WHERE post_id = $1 ORDER BY d.id',
    [postId],
  );
  return rows;
}

function account(world: World, i: number, chat: RecordingChat) {
  return { id: world.accounts[i].id, name: world.accounts[i].name, chat };
}

describe('planning', () => {
  it('gives every matching group one delivery due in its window, and says why others are skipped', async () => {
    const ctx = testContext(db, fixedClock(bj('2026-11-27T07:00')));
    const world = await seedWorld(db.pool, names('plan'), [
      { kind: 'work', account: 0, count: 2 },
      { kind: 'parent', account: 0, count: 2 },
      { kind: 'parent', account: 0, autoForward: false },
      { kind: 'work', account: 0, status: 'paused' },
      { kind: 'source', account: 0 },
    ]);
    const post = await addPost(db.pool, world, {});
    const r = await planPost(ctx, post.id, testSettings());
    expect(r).toEqual({ pending: 4, skipped: 2, existing: 0 });
    const log = await rows(post.id);
    expect(log.filter((d) => d.kind === 'work' && d.status === 'pending').map((d) => local(d.due_at))).toEqual(['2026-11-27T08:30', '2026-11-27T08:30']);
    expect(log.filter((d) => d.kind === 'parent' && d.status === 'pending').map((d) => local(d.due_at))).toEqual(['2026-11-27T12:00', '2026-11-27T12:00']);
    expect(log.filter((d) => d.status === 'skipped').map((d) => d.error).sort()).toEqual(['auto-forward is off for this parent group', 'group paused']);
    expect(log.some((d) => d.kind === 'source')).toBe(false);
    expect(await planPost(ctx, post.id, testSettings())).toEqual({ pending: 0, skipped: 0, existing: 6 });
  });

  it('respects the audience', async () => {
    const ctx = testContext(db, fixedClock(bj('2026-11-27T07:00')));
    const world = await seedWorld(db.pool, names('aud'), [{ kind: 'work', account: 0 }, { kind: 'parent', account: 0 }]);
    const w = await addPost(db.pool, world, { audience: 'work' });
    const p = await addPost(db.pool, world, { audience: 'parent' });
    await planPost(ctx, w.id, testSettings());
    await planPost(ctx, p.id, testSettings());
    expect((await rows(w.id)).map((d) => d.kind)).toEqual(['work']);
    expect((await rows(p.id)).map((d) => d.kind)).toEqual(['parent']);
  });

  it('gives a late group the posts of the relevance period, and revives skipped rows on opt-in', async () => {
    const now = bj('2026-11-27T10:00');
    const ctx = testContext(db, fixedClock(now));
    const world = await seedWorld(db.pool, names('late'), [{ kind: 'parent', account: 0, autoForward: false }]);
    const days = (n: number) => new Date(now.getTime() - n * 86_400_000);
    const old = await addPost(db.pool, world, { capturedAt: days(5), title: '五天前' });
    const recent = await addPost(db.pool, world, { capturedAt: days(2), title: '两天前' });
    const workOnly = await addPost(db.pool, world, { capturedAt: days(1), audience: 'work' });
    const group = world.groups[0];
    // Planned while auto-forward was off: skipped with the reason.
    await planPost(ctx, recent.id, testSettings());
    expect((await rows(recent.id))[0]).toMatchObject({ status: 'skipped', error: 'auto-forward is off for this parent group' });
    // The teacher turns auto-forward on: the registry calls planLateGroup.
    await db.pool.query('UPDATE chat_group SET auto_forward = true WHERE id = $1', [group.id]);
    const r = await planLateGroup(ctx, group.id, testSettings());
    expect(r).toEqual({ pending: 1, skipped: 0, existing: 0 });
    expect((await rows(recent.id))[0]).toMatchObject({ status: 'pending', error: null });
    expect(local((await rows(recent.id))[0].due_at)).toBe('2026-11-27T12:00');
    expect(await rows(old.id)).toEqual([]);
    expect(await rows(workOnly.id)).toEqual([]);
    // A brand-new group gets it too.
    const more = await seedWorld(db.pool, names('late2'), [{ kind: 'parent', account: 0 }]);
    expect(await planLateGroup(ctx, more.groups[0].id, testSettings())).toEqual({ pending: 1, skipped: 0, existing: 0 });
  });
});

describe('sending', () => {
  it('sends only inside windows, never in quiet hours; the urgent lane goes at once', async () => {
    const clock = fixedClock(bj('2026-11-27T07:00'));
    const ctx = testContext(db, clock);
    const world = await seedWorld(db.pool, names('win'), [{ kind: 'work', account: 0, count: 3 }, { kind: 'parent', account: 0, count: 3 }]);
    const chat = new RecordingChat(world.accounts[0].name, clock);
    const post = await addPost(db.pool, world, {});
    await planPost(ctx, post.id, testSettings());
    await startWorker(ctx, account(world, 0, chat), { settings: testSettings(), stopWhenIdle: true }).done;
    const log = await rows(post.id);
    expect(log.map((d) => d.status)).toEqual(Array(6).fill('sent')); // 3 work + 3 parent groups
    for (const d of log) {
      const hm = local(d.sent_at).slice(11);
      if (d.kind === 'work') expect(hm >= '08:30' && hm < '11:30').toBe(true);
      else expect(hm >= '12:00' && hm < '13:00').toBe(true);
    }
    // Urgent at 21:30: at once, even outside the windows.
    clock.set(bj('2026-11-27T21:30'));
    const urgent = await addPost(db.pool, world, { urgent: true });
    await planPost(ctx, urgent.id, testSettings());
    await startWorker(ctx, account(world, 0, chat), { settings: testSettings(), stopWhenIdle: true }).done;
    const u = await rows(urgent.id);
    expect(u.map((d) => local(d.sent_at).slice(0, 15))).toEqual(Array(6).fill('2026-11-27T21:3'));
    // Urgent at 23:00: quiet hours, so 07:00.
    clock.set(bj('2026-11-27T23:00'));
    const night = await addPost(db.pool, world, { urgent: true });
    await planPost(ctx, night.id, testSettings());
    await startWorker(ctx, account(world, 0, chat), { settings: testSettings(), stopWhenIdle: true }).done;
    const nightLog = await rows(night.id);
    expect(nightLog).toHaveLength(6);
    expect(nightLog.map((d) => local(d.sent_at)).filter((at) => !(at >= '2026-11-28T07:00' && at < '2026-11-28T07:02'))).toEqual([]);
    // The text rendering: code in the first line, member count without the bot.
    const text = chat.textsTo(world.groups[0].roomId)[0];
    expect(text.split('\n')[0]).toBe(`【反诈宣传 ${post.code}】国家反诈中心`);
    expect(text).toContain('原文链接 https://mp.weixin.qq.com/s/example');
    expect(text).toContain(`请阅读后在群里回复"已阅"或编号"${post.code}"`);
    expect(log.map((d) => [d.members_at_send, d.rendering, d.attempts])).toEqual(Array(6).fill([30, 'text', 1]));
  });

  it('keeps the random gap and the per-minute limit between sends', async () => {
    const clock = fixedClock(bj('2026-11-27T09:00'));
    const ctx = testContext(db, clock);
    const world = await seedWorld(db.pool, names('gap'), [{ kind: 'work', account: 0, count: 30 }]);
    const chat = new RecordingChat(world.accounts[0].name, clock);
    const post = await addPost(db.pool, world, {});
    await planPost(ctx, post.id, testSettings());
    await startWorker(ctx, account(world, 0, chat), { settings: testSettings({ gapMs: [1000, 2000] }), stopWhenIdle: true }).done;
    const times = chat.sent.map((s) => s.at.getTime());
    expect(times).toHaveLength(30);
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(1000);
    for (let i = 20; i < times.length; i++) expect(times[i] - times[i - 20]).toBeGreaterThanOrEqual(60_000);
  });

  it('respects the daily cap and goes on the next day', async () => {
    const clock = fixedClock(bj('2026-11-27T21:00'));
    const ctx = testContext(db, clock);
    const world = await seedWorld(db.pool, names('cap'), [{ kind: 'parent', account: 0, count: 8 }]);
    const chat = new RecordingChat(world.accounts[0].name, clock);
    const post = await addPost(db.pool, world, { urgent: true });
    await planPost(ctx, post.id, testSettings());
    await startWorker(ctx, account(world, 0, chat), { settings: testSettings({ dailyCap: 5 }), stopWhenIdle: true }).done;
    const days = chat.sent.map((s) => local(s.at));
    expect(days.filter((d) => d.startsWith('2026-11-27'))).toHaveLength(5);
    expect(days.filter((d) => d.startsWith('2026-11-28'))).toHaveLength(3);
    expect(days.filter((d) => d.startsWith('2026-11-28') && d < '2026-11-28T07:00')).toEqual([]);
    const { rows: acct } = await db.pool.query('SELECT sent_day, sent_today FROM bot_account WHERE id = $1', [world.accounts[0].id]);
    expect(acct[0]).toEqual({ sent_day: '2026-11-28', sent_today: 3 });
  });

  it('a throttle answer pauses only that account: 15 min, then 1 h, then the next day', async () => {
    const clock = fixedClock(bj('2026-11-27T09:00'));
    const cap = captureLog('info');
    const ctx = testContext(db, clock, cap.log);
    const world = await seedWorld(db.pool, names('thr-a', 'thr-b'), [{ kind: 'work', account: 0, count: 6 }, { kind: 'work', account: 1, count: 30 }]);
    const a = new RecordingChat(world.accounts[0].name, clock);
    const b = new RecordingChat(world.accounts[1].name, clock);
    const refusedAt: Date[] = [];
    a.onSay = (_room, _out, n) => {
      if (n === 2 || n === 4 || n === 6) {
        refusedAt.push(clock.now());
        throw new SendError('AssertionError: Ret 1205', { sent: false, throttled: true });
      }
    };
    const post = await addPost(db.pool, world, { urgent: true });
    await planPost(ctx, post.id, testSettings());
    await startWorker(ctx, account(world, 0, a), { settings: testSettings(), stopWhenIdle: true }).done;
    const steps = cap.lines.filter((l) => l.msg === 'WeChat throttled this account; pausing it (other accounts go on)');
    expect(steps.map((l) => [l.account, l.level])).toEqual([1, 2, 3].map((n) => [world.accounts[0].name, n]));
    const until = steps.map((l) => new Date(String(l.until)));
    expect(until[0].getTime() - refusedAt[0].getTime()).toBe(15 * 60_000);
    expect(until[1].getTime() - refusedAt[1].getTime()).toBe(60 * 60_000);
    expect(local(until[2])).toBe('2026-11-28T00:00');
    // A sent only after each pause; the last ones after midnight and the quiet hours (urgent post).
    expect(a.sent.slice(0, 3).map((s) => local(s.at))).toEqual(['2026-11-27T09:00', local(until[0]), local(until[1])]);
    expect(a.sent.slice(3).map((s) => local(s.at) >= '2026-11-28T07:00')).toEqual([true, true, true]);
    // Nothing of A's was lost or doubled: each of its 6 rooms got the post once.
    expect(new Set(a.sent.map((s) => s.roomId)).size).toBe(6);
    expect(a.sent).toHaveLength(6);
    // Meanwhile (09:00, while A is paused until tomorrow) B sends everything at once.
    clock.set(bj('2026-11-27T09:00'));
    await db.pool.query("UPDATE bot_account SET throttled_until = $2 WHERE id = $1", [world.accounts[0].id, bj('2026-11-28T00:00')]);
    await startWorker(ctx, account(world, 1, b), { settings: testSettings(), stopWhenIdle: true }).done;
    expect(b.sent).toHaveLength(30);
    expect(local(b.sent[0].at)).toBe('2026-11-27T09:00');
    expect(b.sent[29].at.getTime()).toBeLessThan(until[0].getTime());
    expect((await rows(post.id)).map((d) => d.status)).toEqual(Array(36).fill('sent'));
  });

  it('steps the throttle backoff exactly, and starts again on a new day', async () => {
    const world = await seedWorld(db.pool, names('steps'), []);
    const id = world.accounts[0].id;
    const step = async (local: string) => {
      const t = await throttleAccount(db.pool, id, bj(local), [15, 60], TZ);
      return [t.level, localMinute(t.until, TZ)];
    };
    expect(await step('2026-11-27T09:00')).toEqual([1, '2026-11-27T09:15']);
    expect(await step('2026-11-27T09:20')).toEqual([2, '2026-11-27T10:20']);
    expect(await step('2026-11-27T10:30')).toEqual([3, '2026-11-28T00:00']);
    expect(await step('2026-11-28T08:00')).toEqual([1, '2026-11-28T08:15']);
  });

  it('retries a send that provably did not happen, fails after maxAttempts, and fails a bad target at once', async () => {
    const clock = fixedClock(bj('2026-11-27T09:00'));
    const ctx = testContext(db, clock);
    const world = await seedWorld(db.pool, names('retry'), [{ kind: 'work', account: 0, count: 3 }]);
    const [flaky, dead, gone] = world.groups;
    const chat = new RecordingChat(world.accounts[0].name, clock);
    let flakyTries = 0;
    chat.onSay = (room) => {
      if (room === flaky.roomId && ++flakyTries === 1) throw new SendError('network down before send', { sent: false });
      if (room === dead.roomId) throw new SendError('not logged in', { sent: false });
      if (room === gone.roomId) throw new SendError('Ret 1204', { sent: false, badTarget: true });
    };
    const post = await addPost(db.pool, world, {});
    await planPost(ctx, post.id, testSettings());
    await startWorker(ctx, account(world, 0, chat), { settings: testSettings({ maxAttempts: 3, retryBaseMs: 60_000 }), stopWhenIdle: true }).done;
    const byGroup = new Map((await rows(post.id)).map((d) => [d.group_id, d]));
    expect(byGroup.get(flaky.id)).toMatchObject({ status: 'sent', attempts: 2, error: null });
    expect(byGroup.get(dead.id)).toMatchObject({ status: 'failed', attempts: 3, error: 'not logged in' });
    expect(byGroup.get(gone.id)).toMatchObject({ status: 'failed', attempts: 1, error: 'Ret 1204' });
    // Refused sends do not count against the daily cap.
    const { rows: acct } = await db.pool.query('SELECT sent_today FROM bot_account WHERE id = $1', [world.accounts[0].id]);
    expect(acct[0].sent_today).toBe(1);
  });

  it('never resends an unknown send; its own echo reconciles it', async () => {
    const clock = fixedClock(bj('2026-11-27T09:00'));
    const ctx = testContext(db, clock);
    const world = await seedWorld(db.pool, names('unk'), [{ kind: 'work', account: 0, count: 3 }]);
    const [crashy, hung, fine] = world.groups;
    const chat = new RecordingChat(world.accounts[0].name, clock);
    chat.onSay = async (room) => {
      if (room === crashy.roomId) throw new Error('socket hang up');
      if (room === hung.roomId) await new Promise(() => undefined);
    };
    const post = await addPost(db.pool, world, {});
    await planPost(ctx, post.id, testSettings());
    const settings = testSettings({ sendTimeoutMs: 50 });
    await startWorker(ctx, account(world, 0, chat), { settings, stopWhenIdle: true }).done;
    let byGroup = new Map((await rows(post.id)).map((d) => [d.group_id, d]));
    expect(byGroup.get(crashy.id)).toMatchObject({ status: 'unknown', attempts: 1 });
    expect(byGroup.get(crashy.id).error).toBe('may have been sent, not resent automatically: socket hang up');
    expect(byGroup.get(hung.id).error).toMatch(/did not finish within 50 ms/);
    expect(byGroup.get(fine.id)).toMatchObject({ status: 'sent' });
    // Another run, and a restart: nothing is tried again.
    chat.onSay = undefined;
    const before = chat.sent.length;
    await startWorker(ctx, account(world, 0, chat), { settings, stopWhenIdle: true }).done;
    expect(chat.sent.length).toBe(before);
    expect((await unknownDeliveries(db.pool)).map((r) => r.groupId).sort()).toEqual([crashy.id, hung.id].sort());
    // The bot's own message comes back through the stream: reconciled as sent.
    const handler = relayReconciler(ctx);
    const acct = account(world, 0, chat);
    const msg = (over: Partial<GroupMessage>): GroupMessage => ({
      messageId: 'm1', roomId: crashy.roomId, topic: crashy.topic, senderId: 'me', senderName: '反诈助手', senderIsBot: false,
      self: true, kind: 'text', text: `【反诈宣传 ${post.code}】国家反诈中心\n…`, at: clock.now(), ...over,
    });
    expect(await handler.group!(groupInbound(ctx, msg({ self: false }), acct))).toBe(false);
    expect(await handler.group!(groupInbound(ctx, msg({}), acct))).toBe(true);
    byGroup = new Map((await rows(post.id)).map((d) => [d.group_id, d]));
    expect(byGroup.get(crashy.id).status).toBe('sent');
    expect(byGroup.get(crashy.id).error).toMatch(/reconciled/);
    expect(byGroup.get(hung.id).status).toBe('unknown');
  });

  it('on start, rows a dead process left in sending go back to pending (say never began) or become unknown', async () => {
    const clock = fixedClock(bj('2026-11-27T09:00'));
    const ctx = testContext(db, clock);
    const world = await seedWorld(db.pool, names('rec'), [{ kind: 'work', account: 0, count: 2 }]);
    const post = await addPost(db.pool, world, {});
    await planPost(ctx, post.id, testSettings());
    const [notBegun, begun] = world.groups;
    await db.pool.query("UPDATE delivery SET status = 'sending', claimed_by = 'dead:1', attempts = 1 WHERE group_id = $1", [notBegun.id]);
    await db.pool.query("UPDATE delivery SET status = 'sending', claimed_by = 'dead:1', attempts = 1, rendering = 'text' WHERE group_id = $1", [begun.id]);
    const chat = new RecordingChat(world.accounts[0].name, clock);
    await startWorker(ctx, account(world, 0, chat), { settings: testSettings(), stopWhenIdle: true }).done;
    const byGroup = new Map((await rows(post.id)).map((d) => [d.group_id, d]));
    expect(byGroup.get(notBegun.id)).toMatchObject({ status: 'sent', attempts: 1 });
    expect(byGroup.get(begun.id)).toMatchObject({ status: 'unknown' });
    expect(byGroup.get(begun.id).error).toMatch(/claimed by dead:1\); not resent automatically/);
    expect(chat.sent.map((s) => s.roomId)).toEqual([notBegun.roomId]);
  });

  it('two processes driving the same account never send a post twice', async () => {
    const clock = fastClock(bj('2026-11-27T09:00'), 1000);
    const ctx = testContext(db, clock);
    const world = await seedWorld(db.pool, names('twin'), [{ kind: 'work', account: 0, count: 20 }]);
    const post = await addPost(db.pool, world, {});
    await planPost(ctx, post.id, testSettings());
    const c1 = new RecordingChat(world.accounts[0].name, clock);
    const c2 = new RecordingChat(world.accounts[0].name, clock);
    const settings = testSettings({ pollMs: 200 });
    const w1 = startWorker(ctx, account(world, 0, c1), { settings, stopWhenIdle: true, workerId: 'p1' });
    const w2 = startWorker(ctx, account(world, 0, c2), { settings, stopWhenIdle: true, workerId: 'p2' });
    await Promise.all([w1.done, w2.done]);
    const rooms = [...c1.sent, ...c2.sent].map((s) => s.roomId);
    expect(rooms).toHaveLength(20);
    expect(new Set(rooms).size).toBe(20);
  });

  it('renders a card when the puppet can, with media as files, and logs fan-out progress', async () => {
    const clock = fixedClock(bj('2026-11-27T09:00'));
    const cap = captureLog('info');
    const ctx: AppContext = testContext(db, clock, cap.log);
    const world = await seedWorld(db.pool, names('card'), [{ kind: 'work', account: 0, count: 3 }]);
    const chat = new RecordingChat(world.accounts[0].name, clock);
    chat.caps = { card: true, file: true, forward: true };
    const post = await addPost(db.pool, world, { media: [{ type: 'image', name: 'thumbnail', url: 'https://mmbiz.qpic.cn/cover.jpg' }] });
    const poster = await addPost(db.pool, world, { kind: 'image', url: null, media: [{ type: 'image', name: 'poster.jpg', path: '/tmp/poster.jpg' }] });
    await planPost(ctx, post.id, testSettings());
    await planPost(ctx, poster.id, testSettings());
    await startWorker(ctx, account(world, 0, chat), { settings: testSettings({ progressEvery: 2 }), stopWhenIdle: true }).done;
    const to = chat.sent.filter((s) => s.roomId === world.groups[0].roomId).map((s) => s.out.type);
    expect(to).toEqual(['card', 'text', 'text', 'file']);
    expect((await rows(post.id)).map((d) => d.rendering)).toEqual(['card', 'card', 'card']);
    expect((await rows(poster.id)).map((d) => d.rendering)).toEqual(['text+file', 'text+file', 'text+file']);
    const progress = cap.lines.filter((l) => String(l.msg).startsWith('fan-out'));
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.map((l) => l.msg)).toContain(`fan-out 3/3 sent; ${world.accounts[0].name} 3/3; ETA 0 min`);
    const log = await deliveriesOf(db.pool, post.code.toLowerCase());
    expect(log!.rows.map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
    expect(await deliveriesOf(db.pool, 'F999999')).toBeNull();
  });

  it('waits while the account is logged out, and stops claiming when it logs out mid-fan-out', async () => {
    const clock = fixedClock(bj('2026-11-27T09:00'));
    const ctx = testContext(db, clock);
    const world = await seedWorld(db.pool, names('logout'), [{ kind: 'work', account: 0, count: 6 }]);
    const chat = new RecordingChat(world.accounts[0].name, clock);
    let online = true;
    let checks = 0;
    chat.onSay = (_room, _out, n) => {
      if (n === 2) online = false; // logged out right after this send
    };
    const post = await addPost(db.pool, world, {});
    await planPost(ctx, post.id, testSettings());
    const settings = testSettings({ pollMs: 60_000 });
    await startWorker(ctx, account(world, 0, chat), {
      settings,
      stopWhenIdle: true,
      online: () => {
        if (!online && ++checks === 4) online = true; // logged in again a few minutes later
        return online;
      },
    }).done;
    expect(chat.sent).toHaveLength(6);
    expect(new Set(chat.sent.map((s) => s.roomId)).size).toBe(6);
    expect((await rows(post.id)).map((d) => [d.status, d.attempts])).toEqual(Array(6).fill(['sent', 1]));
    expect(chat.sent[2].at.getTime() - chat.sent[1].at.getTime()).toBeGreaterThanOrEqual(60_000);
  });

  it('survives the database dropping its connections mid-fan-out without sending anything twice', async () => {
    const clock = fixedClock(bj('2026-11-27T09:00'));
    const cap = captureLog('info');
    const ctx = testContext(db, clock, cap.log);
    const world = await seedWorld(db.pool, names('dbdrop'), [{ kind: 'work', account: 0, count: 8 }]);
    const chat = new RecordingChat(world.accounts[0].name, clock);
    const admin = connect(db.url, { max: 1 });
    chat.onSay = async (_room, _out, n) => {
      if (n === 3) {
        // The relay's connections (the worker's own and the pool's), not the test's Prisma client.
        await admin.pool.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid()
              AND (query ILIKE '%delivery%' OR query ILIKE '%synchronous_commit%' OR query ILIKE '%advisory%' OR query ILIKE '%bot_account%'
                   OR query ILIKE '%chat_group%')`,
        );
      }
    };
    const post = await addPost(db.pool, world, {});
    await planPost(ctx, post.id, testSettings());
    await startWorker(ctx, account(world, 0, chat), { settings: testSettings({ pollMs: 1000 }), stopWhenIdle: true }).done;
    await admin.close();
    const rooms = chat.sent.map((s) => s.roomId);
    expect(new Set(rooms).size).toBe(rooms.length);
    expect(rooms).toHaveLength(8);
    const log = await rows(post.id);
    // The third send went out while its row could not be finished: the worker kept the outcome and
    // wrote it on its new connection (before recovering rows nobody can tell), so it is sent, once.
    expect(log.filter((d) => d.status !== 'sent')).toEqual([]);
    expect(log.filter((d) => d.status === 'sent')).toHaveLength(8);
    expect(cap.messages()).toContain('relay loop error (database?); retrying shortly');
    expect(cap.lines.find((l) => l.msg === 'recorded the outcomes of sends made while the database was away')).toMatchObject({ replayed: 1 });
  });

  it('a picture that cannot be fetched does not undo the post that went out', async () => {
    const clock = fixedClock(bj('2026-11-27T09:00'));
    const ctx = testContext(db, clock);
    const world = await seedWorld(db.pool, names('media'), [{ kind: 'work', account: 0 }]);
    const chat = new RecordingChat(world.accounts[0].name, clock);
    chat.caps = { card: false, file: true, forward: false };
    chat.onSay = (_room, out) => {
      if (out.type === 'file') throw new SendError('cannot fetch https://example.invalid/poster.jpg', { sent: false });
    };
    const post = await addPost(db.pool, world, { kind: 'image', url: null, media: [{ type: 'image', name: 'poster.jpg', url: 'https://example.invalid/poster.jpg' }] });
    await planPost(ctx, post.id, testSettings());
    await startWorker(ctx, account(world, 0, chat), { settings: testSettings(), stopWhenIdle: true }).done;
    const [d] = await rows(post.id);
    expect(d).toMatchObject({ status: 'sent', attempts: 1, rendering: 'text+file' });
    expect(d.error).toBe('the post went out; a follow-up (file) failed: cannot fetch https://example.invalid/poster.jpg');
    expect(chat.sent.map((s) => s.out.type)).toEqual(['text']);
  });

  it('skips a group paused after planning, with the reason, and a group with no known room', async () => {
    const clock = fixedClock(bj('2026-11-27T09:00'));
    const ctx = testContext(db, clock);
    const world = await seedWorld(db.pool, names('pause'), [{ kind: 'work', account: 0, count: 2 }, { kind: 'work', account: 0, roomId: null }]);
    const post = await addPost(db.pool, world, {});
    await planPost(ctx, post.id, testSettings());
    await db.pool.query("UPDATE chat_group SET status = 'left', status_reason = 'the bot was removed' WHERE id = $1", [world.groups[0].id]);
    const chat = new RecordingChat(world.accounts[0].name, clock);
    await startWorker(ctx, account(world, 0, chat), { settings: testSettings(), stopWhenIdle: true }).done;
    const log = await rows(post.id);
    expect(log.map((d) => [d.status, d.error, d.attempts])).toEqual([
      ['skipped', 'group left: the bot was removed', 0],
      ['sent', null, 1],
      ['skipped', 'no WeChat room is known for this group since the last login', 0],
    ]);
  });
});
