import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Account } from '../../bot/app.ts';
import type { GroupMessage } from '../../bot/chat-types.ts';
import { createConfirmations, type Confirmations } from '../../bot/ledger/confirm.ts';
import { memberKey } from '../../bot/ledger/member-key.ts';
import { adminUrl, freshDb, type TestDb } from '../helpers/db.ts';
import { captureLog } from '../helpers/log.ts';
import { account, appContext, deliver, group, makeAccount, post, recordingChat, REF_TIME, unit } from '../helpers/ledger-fixture.ts';
import { connect } from '../../bot/db/client.ts';
import { groupInbound } from '../../bot/core/inbound.ts';

let db: TestDb;
let acc: Account;
let classGroup: number;
let otherClass: number;
let workGroup: number;
let unregistered: number;
let p1: { id: number; code: string };
let p2: { id: number; code: string };
let app: { id: number; code: string };
let old: { id: number; code: string };
let notHere: { id: number; code: string };
const t0 = new Date(REF_TIME);
const h = (n: number) => new Date(t0.getTime() + n * 3_600_000);

beforeAll(async () => {
  db = await freshDb();
  const pool = db.pool;
  const city = await unit(pool, '钦州市教育局', 'city', null, null);
  const county = await unit(pool, '钦南区教育局', 'county', city, null);
  const school = await unit(pool, '钦南区示例实验小学', 'school', county, county);
  const accountId = await account(pool);
  acc = makeAccount(accountId, recordingChat().chat);
  classGroup = await group(pool, db.ledgerSecret, { kind: 'parent', unitId: school, accountId, topic: '三年级2班家长群', roomId: 'room-c32', owner: '刘老师', members: 40 });
  otherClass = await group(pool, db.ledgerSecret, { kind: 'parent', unitId: school, accountId, topic: '三年级3班家长群', roomId: 'room-c33', owner: '陈老师', members: 35 });
  workGroup = await group(pool, db.ledgerSecret, { kind: 'work', unitId: school, accountId, topic: '实验小学教师群', roomId: 'room-work', owner: '黄主任', members: 60 });
  unregistered = await group(pool, db.ledgerSecret, { kind: 'parent', unitId: school, accountId, topic: '暂停的群', roomId: 'room-paused', owner: '周老师', members: 20, status: 'paused' });
  p1 = await post(pool, { title: '警惕刷单返利诈骗' });
  p2 = await post(pool, { title: '冒充客服退款诈骗' });
  app = await post(pool, { title: '安装国家反诈中心APP、关注视频号', kind: 'attestation', confirmWords: ['已安装'] });
  old = await post(pool, { title: '旧推送' });
  notHere = await post(pool, { title: '只发到教师群' });
  for (const g of [classGroup, otherClass, unregistered]) {
    await deliver(pool, { postId: p1.id, groupId: g, accountId, sentAt: t0, members: 40 });
    await deliver(pool, { postId: p2.id, groupId: g, accountId, sentAt: h(1), members: 40 });
    await deliver(pool, { postId: old.id, groupId: g, accountId, sentAt: h(-24 * 8), members: 40 });
  }
  await deliver(pool, { postId: app.id, groupId: workGroup, accountId, sentAt: t0, members: 60 });
  await deliver(pool, { postId: p1.id, groupId: workGroup, accountId, sentAt: t0, members: 60 });
  await deliver(pool, { postId: notHere.id, groupId: workGroup, accountId, sentAt: t0, members: 60 });
  // A delivery that failed confirms nothing.
  const failed = await post(pool, { title: '发送失败的推送' });
  await deliver(pool, { postId: failed.id, groupId: classGroup, accountId, sentAt: t0, members: 40, status: 'failed' });
});
afterAll(async () => db.drop());

let ledger: Confirmations;
const cap = captureLog();
beforeEach(async () => {
  await db.pool.query('TRUNCATE confirmation');
  await db.pool.query('UPDATE delivery SET confirmed = 0, first_confirm_at = NULL, last_confirm_at = NULL');
  ledger = createConfirmations(appContext(db, cap.log), { flushMs: 60_000 });
});

const rooms: Record<string, string> = { c32: 'room-c32', c33: 'room-c33', work: 'room-work', paused: 'room-paused' };
let seq = 0;
/** `await member('王妈妈').in('c32').says('已阅', { at })` */
function member(name: string) {
  return {
    in: (room: keyof typeof rooms | string) => ({
      says: async (text: string, extra: Partial<GroupMessage> = {}) => {
        const msg: GroupMessage = {
          messageId: `m${++seq}`,
          roomId: rooms[room] ?? room,
          topic: room,
          senderId: `wxid_${name}`,
          senderName: name,
          senderIsBot: false,
          self: false,
          kind: 'text',
          text,
          at: h(2),
          ...extra,
        };
        const consumed = await ledger.group!(groupInbound(appContext(db, cap.log), msg, acc));
        await ledger.flush();
        return consumed;
      },
    }),
  };
}

async function confirmations(groupId: number) {
  const { rows } = await db.pool.query(
    `SELECT p.code, c.member_key, c.how, c.at FROM confirmation c JOIN post p ON p.id = c.post_id WHERE c.group_id = $1 ORDER BY p.id, c.at`,
    [groupId],
  );
  return rows as { code: string; member_key: string; how: string; at: Date }[];
}
async function counter(postId: number, groupId: number) {
  const { rows } = await db.pool.query(
    'SELECT confirmed, first_confirm_at, last_confirm_at FROM delivery WHERE post_id = $1 AND group_id = $2',
    [postId, groupId],
  );
  return rows[0] as { confirmed: number; first_confirm_at: Date | null; last_confirm_at: Date | null };
}
const key = (groupId: number, name: string) => memberKey(db.ledgerSecret, groupId, name);

describe('read confirmations', () => {
  it('a keyword confirms every post sent to the group in the window, once, under a member key', async () => {
    await member('王小明妈妈').in('c32').says('王小明妈妈收到,谢谢老师');
    const rows = await confirmations(classGroup);
    expect(rows.map((r) => [r.code, r.how])).toEqual([[p1.code, 'keyword'], [p2.code, 'keyword']]);
    expect(new Set(rows.map((r) => r.member_key))).toEqual(new Set([key(classGroup, '王小明妈妈')]));
    expect(JSON.stringify(rows)).not.toContain('王小明'); // no names in the ledger
    expect(await counter(p1.id, classGroup)).toEqual({ confirmed: 1, first_confirm_at: h(2), last_confirm_at: h(2) });

    await member('王小明妈妈').in('c32').says('已阅', { at: h(3) });
    await member('李华爸爸').in('c32').says('已阅👍', { at: h(4) });
    expect(await counter(p1.id, classGroup)).toEqual({ confirmed: 2, first_confirm_at: h(2), last_confirm_at: h(4) });
    expect((await confirmations(classGroup)).length).toBe(4);
  });

  it('a post code confirms that post only; a code of a post not sent to the group confirms nothing', async () => {
    await member('张伟爸爸').in('c32').says(`${p2.code} 已阅`);
    expect((await confirmations(classGroup)).map((r) => [r.code, r.how])).toEqual([[p2.code, 'code']]);
    await member('张伟爸爸').in('c32').says(`${notHere.code} 已阅`);
    expect((await confirmations(classGroup)).length).toBe(1);
    await member('赵老师').in('c32').says(`${p1.code} 这是真的吗?`);
    expect((await confirmations(classGroup)).length).toBe(1);
  });

  it("a quote of the bot's message confirms the quoted post only; a quote of someone else is a plain reply", async () => {
    const quoted = `【国家反诈中心】冒充客服退款诈骗\n编号 ${p2.code},看后请回复"已阅"`;
    await member('孙丽妈妈').in('c32').says('收到', { quotedText: quoted, quotedSelf: true });
    expect((await confirmations(classGroup)).map((r) => [r.code, r.how])).toEqual([[p2.code, 'quote']]);
    await member('周杰爸爸').in('c32').says('收到', { quotedText: quoted, quotedSelf: false });
    expect((await confirmations(classGroup)).filter((r) => r.member_key === key(classGroup, '周杰爸爸')).map((r) => r.code)).toEqual([p1.code, p2.code]);
  });

  it('an attestation confirms only with its own words, and its words confirm nothing else', async () => {
    await member('黄老师').in('work').says('收到');
    expect((await confirmations(workGroup)).map((r) => r.code)).toEqual([p1.code, notHere.code]);
    await member('黄老师').in('work').says('还没安装');
    expect((await confirmations(workGroup)).length).toBe(2);
    await member('黄老师').in('work').says('已安装');
    await member('李老师').in('work').says('已安装,已关注视频号');
    const rows = await confirmations(workGroup);
    expect(rows.filter((r) => r.code === app.code).map((r) => r.how)).toEqual(['attestation', 'attestation']);
    expect(rows.filter((r) => r.member_key === key(workGroup, '李老师')).map((r) => r.code)).toEqual([app.code]);
  });

  it("the bot's own messages, other bots, non-text, unregistered or paused groups and negations confirm nothing", async () => {
    expect(await member('反诈助手').in('c32').says('已阅', { self: true })).toBe(false);
    expect(await member('某公众号').in('c32').says('收到', { senderIsBot: true })).toBe(false);
    expect(await member('王妈妈').in('c32').says('[图片]', { kind: 'image' })).toBe(false);
    expect(await member('王妈妈').in('c32').says('没收到')).toBe(false);
    expect(await member('王妈妈').in('c32').says('大家收到了吗?')).toBe(false);
    await member('王妈妈').in('paused').says('已阅');
    await member('王妈妈').in('room-unknown').says('已阅');
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM confirmation');
    expect(rows[0].n).toBe(0);
    expect(cap.messages()).toContain('reply in a group that is not registered or not active: ignored');
    void unregistered;
  });

  it('replies outside the window confirm nothing; posts sent after a reply are not confirmed by it', async () => {
    await member('吴妈妈').in('c32').says('已阅', { at: h(0.5) });
    expect((await confirmations(classGroup)).map((r) => r.code)).toEqual([p1.code]); // p2 was sent at +1 h
    expect((await confirmations(classGroup)).map((r) => r.code)).not.toContain(old.code); // 8 days old
    await member('郑爸爸').in('c32').says('已阅', { at: h(24 * 7 + 0.5) });
    expect((await confirmations(classGroup)).filter((r) => r.member_key === key(classGroup, '郑爸爸')).map((r) => r.code)).toEqual([p2.code]);
  });

  it('the same person in two groups counts once in each; a new nickname is a new member key', async () => {
    await member('王芳').in('c32').says('已阅');
    await member('王芳').in('c33').says('已阅');
    expect((await counter(p1.id, classGroup)).confirmed).toBe(1);
    expect((await counter(p1.id, otherClass)).confirmed).toBe(1);
    expect(key(classGroup, '王芳')).not.toBe(key(otherClass, '王芳'));
    await member('王芳(豆豆妈)').in('c32').says('已阅', { at: h(3) });
    expect((await counter(p1.id, classGroup)).confirmed).toBe(2);
    // Coverage never exceeds 100% of the members at delivery (bot/ledger/coverage.ts caps it).
  });

  it('a burst of replies is written in batches and counted exactly', async () => {
    const burst = createConfirmations(appContext(db, cap.log), { flushMs: 60_000, batchSize: 50 });
    for (let i = 0; i < 120; i++) {
      await burst.group!(groupInbound(appContext(db, cap.log), { messageId: `b${i}`, roomId: 'room-c33', topic: '', senderId: `s${i}`, senderName: `家长${i}`, senderIsBot: false, self: false, kind: 'text', text: i % 2 ? '收到' : '已阅', at: h(2) }, acc));
      await burst.group!(groupInbound(appContext(db, cap.log), { messageId: `d${i}`, roomId: 'room-c33', topic: '', senderId: `s${i}`, senderName: `家长${i}`, senderIsBot: false, self: false, kind: 'text', text: '已阅', at: h(2.5) }, acc));
    }
    await burst.drain();
    expect((await counter(p1.id, otherClass)).confirmed).toBe(120);
    expect((await counter(p2.id, otherClass)).confirmed).toBe(120);
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM confirmation WHERE group_id = $1', [otherClass]);
    expect(rows[0].n).toBe(240);
    expect(burst.stats()).toMatchObject({ buffered: 0, dropped: 0, inserted: 240 });
  });
});

describe('when the database is briefly unavailable', () => {
  it('keeps the replies in memory, retries, and loses nothing', async () => {
    const admin = connect(adminUrl(), { max: 1 });
    const own = connect(db.url, { max: 2 });
    const ctx = { ...appContext(db, cap.log), db: { ...own } };
    const ingest = createConfirmations(ctx, { flushMs: 60_000 });
    const say = (i: number, text = '已阅') =>
      ingest.group!(groupInbound(appContext(db, cap.log), { messageId: `o${i}`, roomId: 'room-c32', topic: '', senderId: `x${i}`, senderName: `断网家长${i}`, senderIsBot: false, self: false, kind: 'text', text, at: h(2) }, acc));
    try {
      await say(0);
      await ingest.flush();
      // Cut the database off: no new connections, existing ones terminated.
      await admin.pool.query(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS false`);
      await admin.pool.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [db.name]);
      for (let i = 1; i <= 30; i++) await say(i);
      await expect(ingest.flush()).rejects.toThrow();
      await expect(ingest.flush()).rejects.toThrow();
      expect(ingest.stats()).toMatchObject({ buffered: 30, dropped: 0 });
      expect(cap.messages()).toContain('cannot write confirmations; keeping them in memory and retrying');
    } finally {
      await admin.pool.query(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS true`);
      await admin.close();
    }
    await ingest.drain();
    expect(ingest.stats()).toMatchObject({ buffered: 0, dropped: 0 });
    expect(cap.messages()).toContain('database reachable again; buffered replies written');
    const { rows } = await db.pool.query(`SELECT count(DISTINCT member_key)::int AS n FROM confirmation WHERE group_id = $1`, [classGroup]);
    expect(rows[0].n).toBe(31);
    expect((await counter(p1.id, classGroup)).confirmed).toBe(31);
    await own.close();
  });

  it('bounds the buffer and logs when it drops', async () => {
    const ingest = createConfirmations(appContext(db, cap.log), { flushMs: 60_000, maxBuffered: 5 });
    for (let i = 0; i < 8; i++) {
      await ingest.group!(groupInbound(appContext(db, cap.log), { messageId: `f${i}`, roomId: 'room-c32', topic: '', senderId: `y${i}`, senderName: `满员${i}`, senderIsBot: false, self: false, kind: 'text', text: '收到', at: h(2) }, acc));
    }
    expect(ingest.stats()).toMatchObject({ buffered: 5, dropped: 3 });
    expect(cap.messages()).toContain('confirmation buffer full: dropping the oldest replies');
    await ingest.drain();
    expect((await counter(p1.id, classGroup)).confirmed).toBe(5);
  });
});
