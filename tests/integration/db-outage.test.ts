// Degraded but polite during a database outage (issue 13, item 7), against a real PostgreSQL that
// the test stops and starts again on the same port: chat commands get "系统繁忙" at most once per
// chat per minute, the log has one line when the outage starts and one when it ends (not one per
// message), and the relay records what it learnt during the outage once the database is back.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../bot/clock.ts';
import { connect } from '../../bot/db/client.ts';
import { startEmbedded, type EmbeddedServer } from '../../bot/db/embedded.ts';
import { migrate } from '../../bot/db/migrate.ts';
import { t } from '../../bot/i18n.ts';
import { recoverSending } from '../../bot/relay/deliveries.ts';
import { planPost } from '../../bot/relay/plan.ts';
import { startWorker } from '../../bot/relay/worker.ts';
import { chatWorld, type ChatWorld } from '../helpers/chat-fixture.ts';
import { importOrgCodes, type TestDb } from '../helpers/db.ts';
import { captureLog } from '../helpers/log.ts';
import { addPost, RecordingChat, seedWorld, testContext, testSettings } from '../helpers/relay-world.ts';

const ORG = `county,name,kind,parent
,钦州市教育局,city,
钦南区,钦南区教育局,county,钦州市教育局
钦南区,城东小学,school,钦南区教育局
`;
const PASSWORD = 'outage-test';
const BUSY = t('common.busy');
const STARTED = /^the database cannot be reached/;
const ENDED = 'the database answers again; the outage is over';

let dir: string;
let server: EmbeddedServer;
let port: number;
let db: TestDb;
const serverLog = captureLog('warn');

/** Stops the server (a fast shutdown: open connections are terminated, as in a real outage). */
async function down(): Promise<void> {
  await server.stop();
}
/** Starts it again on the same port and data. */
async function up(): Promise<void> {
  server = await startEmbedded(dir, PASSWORD, serverLog.log, { port });
}
async function until(cond: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'antifraud-outage-'));
  fs.chmodSync(dir, 0o755);
  server = await startEmbedded(dir, PASSWORD, serverLog.log);
  port = server.port;
  const admin = connect(server.url('postgres'), { max: 1 });
  await admin.pool.query("CREATE DATABASE antifraud ENCODING 'UTF8' TEMPLATE template0");
  await admin.close();
  const raw = connect(server.url('antifraud'), { max: 5 });
  await migrate(raw.pool, serverLog.log);
  db = { ...raw, name: 'antifraud', ledgerSecret: 'outage-test-secret-0123456789abcdef', drop: () => raw.close() };
}, 120_000);
afterAll(async () => {
  await db?.drop();
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('database outage', () => {
  let w: ChatWorld;
  afterAll(async () => w?.stop());

  it('a chat command gets 系统繁忙 once per chat per minute; the log has one line when it starts and one when it ends', async () => {
    const codes = await importOrgCodes(db, ORG);
    w = await chatWorld({ db, outageProbeMs: 100 });
    const work = w.group('城东小学教师工作群', ['张老师', '李老师']);
    expect(await w.person('张老师').in(work).says(`#登记 ${codes['城东小学']}`)).toContain('登记成功');
    const other = w.group('随便一个群', ['王五']);

    await down();
    const from = w.log.lines.length;
    expect(await w.person('张老师').in(work).says('#状态')).toBe(BUSY);
    // The same chat within the minute: no second reply; another chat gets its own, private chat too.
    expect(await w.person('李老师').in(work).says('#状态')).toBe('');
    expect(await w.person('王五').in(other).says('#登记 ABCD-EFGH')).toBe(BUSY);
    expect(await w.person('王五').says('#帮助')).toBe(BUSY);
    // Many messages during the outage: chatter, commands, a confirmation.
    for (let i = 0; i < 30; i++) {
      const text = i % 3 === 0 ? '#状态' : i % 3 === 1 ? '收到' : `大家好 ${i}`;
      expect(await w.person('李老师').in(work).says(text)).toBe('');
    }
    const during = w.log.lines.slice(from);
    expect(during.filter((l) => STARTED.test(String(l.msg)))).toHaveLength(1);
    // Nothing else at warn or above: no line per message, no stack per handler.
    expect(during.filter((l) => Number(l.level) >= 40 && !STARTED.test(String(l.msg))).map((l) => l.msg)).toEqual([]);

    await up();
    await until(() => w.log.messages().includes(ENDED));
    const after = w.log.lines.slice(from);
    expect(after.filter((l) => l.msg === ENDED)).toHaveLength(1);
    expect(after.find((l) => l.msg === ENDED)).toMatchObject({ busyReplies: 3 });
    // Service is back at once: the group's status, not the busy text.
    const status = await w.person('张老师').in(work).says('#状态');
    expect(status).not.toBe(BUSY);
    expect(status).toContain('城东小学');

    // A second outage is a second pair of lines, and the chat may be told again.
    await down();
    expect(await w.person('张老师').in(work).says('#状态')).toBe(BUSY);
    await up();
    await until(() => w.log.messages().filter((m) => m === ENDED).length === 2);
    expect(w.log.lines.slice(from).filter((l) => STARTED.test(String(l.msg)))).toHaveLength(2);
  }, 180_000);

  it('a send whose outcome could not be recorded during the outage is recorded when the database is back', async () => {
    const world = await seedWorld(db.pool, ['outage-relay'], [{ kind: 'work', account: 0, count: 3 }]);
    const settings = testSettings(
      { gapMs: [1, 2], perMinute: 1_000_000, dailyCap: 100_000, claimBatch: 5, pollMs: 50, sendTimeoutMs: 5_000 },
      { quiet: { from: '00:00', to: '00:00' } },
    );
    const cap = captureLog('info');
    const ctx = testContext(db, systemClock, cap.log);
    const post = await addPost(db.pool, world, { urgent: true });
    await planPost(ctx, post.id, settings);
    const chat = new RecordingChat(world.accounts[0].name, systemClock);
    // The database goes away while the second group's message is on its way to WeChat.
    let wentDown = false;
    chat.onSay = async (_room, _out, n) => {
      if (n !== 2) return;
      await down();
      wentDown = true;
    };
    const worker = startWorker(ctx, { id: world.accounts[0].id, name: world.accounts[0].name, chat }, { settings, stopWhenIdle: true });
    await until(() => wentDown);
    await new Promise((r) => setTimeout(r, 500)); // the worker meets the outage
    await up();
    await worker.done;
    const { rows } = await db.pool.query<{ status: string; error: string | null }>(
      'SELECT status::text, error FROM delivery WHERE post_id = $1 AND group_id = ANY($2::int[]) ORDER BY group_id',
      [post.id, world.groups.map((g) => g.id)],
    );
    // The relay says so a fixed number of times per outage, not once per poll (pollMs is 50 here).
    expect(cap.lines.filter((l) => /cannot reach the database/.test(String(l.msg)))).toHaveLength(1);
    expect(cap.lines.filter((l) => Number(l.level) >= 40).length).toBeLessThanOrEqual(4);
    expect(cap.lines.filter((l) => l.msg === 'recorded the outcomes of sends made while the database was away')).toMatchObject([{ replayed: 1 }]);
    // Three groups, each sent once (the say during the outage is recorded as sent, not unknown).
    expect(rows.map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
    expect(chat.sent.map((x) => x.roomId).sort()).toEqual(world.groups.map((g) => g.roomId).sort());
  }, 120_000);
});

describe('deliveries left in sending by a database outage', () => {
  it('say so, instead of "the sending process stopped"', async () => {
    const world = await seedWorld(db.pool, ['outage-recover'], [{ kind: 'work', account: 0, count: 2 }]);
    const post = await addPost(db.pool, world, { urgent: true });
    const acct = world.accounts[0].id;
    for (const [i, g] of world.groups.entries()) {
      await db.pool.query(
        `INSERT INTO delivery (post_id, group_id, bot_account_id, status, due_at, claimed_by, claimed_at, rendering)
         VALUES ($1, $2, $3, 'sending', now(), 'host:1:abc', now(), $4)`,
        [post.id, g.id, acct, i === 0 ? 'text' : null],
      );
    }
    expect(await recoverSending(db.pool, acct, new Date(), 'database')).toEqual({ requeued: 1, unknown: 1 });
    const { rows } = await db.pool.query<{ status: string; error: string | null }>(
      'SELECT status::text, error FROM delivery WHERE post_id = $1 ORDER BY group_id',
      [post.id],
    );
    expect(rows[0].status).toBe('unknown');
    expect(rows[0].error).toMatch(/^the database could not be reached while this send was under way .*\(claimed by host:1:abc\); not resent automatically$/);
    expect(rows[0].error).not.toMatch(/process stopped/);
    expect(rows[1].status).toBe('pending');
  });
});
