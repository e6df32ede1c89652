// One lock per account: the account hold of the bot and the relay worker's sender lock are the same
// PostgreSQL advisory lock. When the process driving an account loses it (its connection died) and
// another process takes the account over, the new holder sends; the old one claims nothing. With
// two locks the old process kept the sender lock and the new one never sent (a silent stall).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../bot/clock.ts';
import { planPost } from '../../bot/relay/plan.ts';
import { startWorker } from '../../bot/relay/worker.ts';
import { holdAccount } from '../../bot/registry/account-hold.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';
import { addPost, RecordingChat, seedWorld, testContext, testSettings } from '../helpers/relay-world.ts';

let db: TestDb;
beforeAll(async () => {
  db = await freshDb();
});
afterAll(async () => db.drop());

const until = async (cond: () => boolean | Promise<boolean>, what: string, ms = 15_000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
};

describe('one lock per account', () => {
  it('after a take-over the new holder sends and the old process claims nothing', async () => {
    const world = await seedWorld(db.pool, ['lock-one'], [{ kind: 'work', account: 0, count: 3 }]);
    const ctx = testContext(db, systemClock);
    const settings = testSettings({ gapMs: [0, 0], pollMs: 100 }, { windows: { work: [{ days: 'daily', from: '00:00', to: '23:59' }], parent: [{ days: 'daily', from: '00:00', to: '23:59' }] }, quiet: { from: '23:59', to: '00:00' } });
    const a = world.accounts[0];
    const [chatA, chatB] = [new RecordingChat(a.name, systemClock), new RecordingChat(a.name, systemClock)];
    // (A tries to take the lock back only after a minute: B, polling every 100 ms, takes it over first)
    const holdA = holdAccount(ctx, { id: a.id, name: a.name, chat: chatA }, { pollMs: 60_000 });
    await holdA.first;
    const holdB = holdAccount(ctx, { id: a.id, name: a.name, chat: chatB }, { pollMs: 100 });
    await holdB.first;
    expect([holdA.held(), holdB.held()]).toEqual([true, false]);
    const workerA = startWorker(ctx, { id: a.id, name: a.name, chat: chatA }, { settings, lock: holdA.sender(), workerId: 'A' });
    const workerB = startWorker(ctx, { id: a.id, name: a.name, chat: chatB }, { settings, lock: holdB.sender(), workerId: 'B' });
    let alone: ReturnType<typeof startWorker> | undefined;
    try {
      // A's connection dies (a network cut, a DB failover): B takes the account over.
      await db.pool.query(
        `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND granted
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        [0x6163, a.id],
      );
      await until(() => holdB.held(), 'the take-over');
      const post = await addPost(db.pool, world, { title: '接管之后' });
      expect((await planPost(ctx, post.id, settings)).pending).toBe(3);
      workerB.wake();
      await until(() => chatB.sent.length === 3, 'B sending the post');
      expect(chatA.sent).toEqual([]);
      expect(holdA.held()).toBe(false);
      const rows = await db.pool.query<{ status: string; claimed_by: string | null }>('SELECT status, claimed_by FROM delivery WHERE post_id = $1', [post.id]);
      expect(rows.rows.map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
      // A worker started alone (no hold: CLI, bench) takes the same lock, so it stands by too.
      const chatAlone = new RecordingChat(a.name, systemClock);
      alone = startWorker(ctx, { id: a.id, name: a.name, chat: chatAlone }, { settings, workerId: 'alone' });
      const next = await addPost(db.pool, world, { title: '再来一条' });
      await planPost(ctx, next.id, settings);
      workerB.wake();
      await until(() => chatB.sent.length === 6, 'B sending the next post');
      expect([chatA.sent.length, chatAlone.sent.length]).toEqual([0, 0]);
    } finally {
      await Promise.all([workerA.stop(), workerB.stop(), alone?.stop()]);
      await Promise.all([holdA.stop(), holdB.stop()]);
    }
  }, 60_000);
});
