// One account, one budget: reminders, private lists and command replies sent through the paced
// port count against the same daily cap as the relay worker's posts, respect the throttle pause,
// and give their slot back when provably not sent. A reply is answered even over the cap (it counts).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SendError } from '../../bot/chat-types.ts';
import { fixedClock } from '../../bot/clock.ts';
import { accountBudget } from '../../bot/relay/budget.ts';
import { pacedChat } from '../../bot/relay/paced-chat.ts';
import { Pacer } from '../../bot/relay/pacer.ts';
import { planPost } from '../../bot/relay/plan.ts';
import { startWorker } from '../../bot/relay/worker.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';
import { addPost, RecordingChat, seedWorld, testContext, testSettings, type World } from '../helpers/relay-world.ts';

const bj = (local: string) => new Date(`${local}+08:00`);
const text = (t: string) => ({ type: 'text' as const, text: t });

let db: TestDb;
let world: World;
let seq = 0;
beforeAll(async () => {
  db = await freshDb();
});
afterAll(async () => db.drop());
beforeEach(async () => {
  await db.pool.query('DELETE FROM delivery; DELETE FROM chat_group; DELETE FROM post');
  world = await seedWorld(db.pool, [`budget-${++seq}`], [{ kind: 'work', account: 0, count: 3 }]);
});

function paced(cap: number, clock = fixedClock(bj('2026-11-27T10:00'))) {
  const s = testSettings({ dailyCap: cap, gapMs: [0, 0] }).sending;
  const raw = new RecordingChat(world.accounts[0].name, clock);
  const budget = accountBudget(db.pool, world.accounts[0].id, s, 'Asia/Shanghai', clock);
  return { raw, chat: pacedChat(raw, new Pacer(s, () => 0), clock, budget), clock };
}
const sentToday = async () =>
  (await db.pool.query<{ n: number }>('SELECT sent_today AS n FROM bot_account WHERE id = $1', [world.accounts[0].id])).rows[0].n;

describe('the account budget of the paced port', () => {
  it('counts every message; over the cap a reminder is refused (nothing sent) but a reply goes out and counts', async () => {
    const { raw, chat } = paced(3);
    await chat.sayToRoom('r1', text('提醒 1'));
    await chat.sayToContact('teacher', text('名单'));
    await chat.sayToRoom('r2', text('提醒 2'));
    expect(await sentToday()).toBe(3);
    await expect(chat.sayToRoom('r3', text('提醒 3'))).rejects.toThrow(/daily cap of 3 messages is reached/);
    expect(raw.sent).toHaveLength(3);
    await chat.sayToRoom('r3', text('#状态 的回复'), { reply: true });
    expect(raw.sent).toHaveLength(4);
    expect(await sentToday()).toBe(4);
  });

  it('gives the slot back when the send provably did not happen, and pauses the account on "too fast"', async () => {
    const { raw, chat } = paced(10);
    raw.onSay = () => {
      throw new SendError('WeChat refused: bad target (1204)', { sent: false, badTarget: true });
    };
    await expect(chat.sayToRoom('gone', text('提醒'))).rejects.toThrow(/1204/);
    expect(await sentToday()).toBe(0);
    raw.onSay = () => {
      throw new SendError('WeChat refused: sending too fast (1205)', { sent: false, throttled: true });
    };
    await expect(chat.sayToRoom('r1', text('提醒'))).rejects.toThrow(/1205/);
    const acct = await db.pool.query('SELECT throttle_level, throttled_until FROM bot_account WHERE id = $1', [world.accounts[0].id]);
    expect(acct.rows[0].throttle_level).toBe(1);
    raw.onSay = undefined;
    // Paused: a reminder waits for tomorrow's run, a reply is still answered.
    await expect(chat.sayToRoom('r1', text('提醒'))).rejects.toThrow(/paused/);
    await chat.sayToRoom('r1', text('回复'), { reply: true });
    expect(raw.sent.map((s) => (s.out as { text: string }).text)).toEqual(['回复']);
  });

  it('the relay worker stops at the cap that reminders have used up', async () => {
    const { chat, clock } = paced(4);
    for (let i = 0; i < 3; i++) await chat.sayToRoom(`r${i}`, text(`提醒 ${i}`));
    // The worker's clock stays on this day: a fixed clock's sleep would jump to tomorrow's midnight
    // when the worker waits for the cap to reset, and tomorrow's sends are not what is tested here.
    const today = { now: () => clock.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, Math.min(ms, 20))) };
    const ctx = testContext(db, today);
    const post = await addPost(db.pool, world, { title: '今日推送' });
    const settings = testSettings({ dailyCap: 4, gapMs: [0, 0] });
    expect((await planPost(ctx, post.id, settings)).pending).toBe(3);
    const posts = new RecordingChat(world.accounts[0].name, clock);
    const w = startWorker(ctx, { id: world.accounts[0].id, name: world.accounts[0].name, chat: posts }, { settings });
    const deadline = Date.now() + 10_000;
    while (posts.sent.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300));
    await w.stop();
    expect(posts.sent).toHaveLength(1);
    expect(await sentToday()).toBe(4);
    const left = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM delivery WHERE status = 'pending' AND post_id = $1", [post.id]);
    expect(left.rows[0].n).toBe(2);
  });
});
