// A re-login in the middle of a fan-out, on the REAL wechaty-puppet-wechat4u against the unkind fake
// server: the server ends the session while posts are going out (sends refused, Ret 1101), the
// bot logs in again (every id changes) and re-matches its groups. Every group gets the post exactly
// once, at its new room id, and nothing ends `failed`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../helpers/db.ts';
import { BOT, rawArticlePush, type RawContact } from '../helpers/wechat4u-fake.ts';
import { openSettings, startWechat4uRuntime, until, untilFannedOut, type Wechat4uRuntime } from '../helpers/wechat4u-runtime.ts';

const NATIONAL: RawContact = { UserName: '@gh'.padEnd(33, '0'), NickName: '国家反诈中心', VerifyFlag: 24, ContactFlag: 3 };
const WANG: RawContact = { UserName: '@wang'.padEnd(33, '0'), NickName: '王妈妈', ContactFlag: 3 };
const ROOMS = Array.from({ length: 8 }, (_, i): RawContact => ({
  UserName: `@@cls${i}`.padEnd(40, '0'), NickName: `城东小学一年级${i + 1}班家长群`, MemberCount: 2, ContactFlag: 3,
  MemberList: [{ UserName: BOT.UserName, NickName: BOT.NickName }, { UserName: WANG.UserName, NickName: WANG.NickName }],
}));

let db: TestDb;
let w: Wechat4uRuntime;

beforeAll(async () => {
  db = await freshDb();
  const unit = await db.prisma.orgUnit.create({ data: { name: '城东小学', kind: 'school' } });
  // Registered in an earlier session: re-matched at this login.
  const acct = await db.prisma.botAccount.create({ data: { name: 'w4u-relay', puppet: 'wechaty-puppet-wechat4u' } });
  for (const [i, r] of ROOMS.entries()) {
    await db.prisma.chatGroup.create({
      data: { kind: 'parent', orgUnitId: unit.id, className: `一年级${i + 1}班`, botAccountId: acct.id, topic: r.NickName, status: 'active', autoForward: true, registeredBy: '李老师', ownerKey: 'k', roomId: `@@old${i}` },
    });
  }
  w = await startWechat4uRuntime(db, [NATIONAL, WANG, ...ROOMS], { settings: openSettings({ gapMs: [400, 500] }) });
  await w.runtime.settled();
}, 60_000);

afterAll(async () => {
  await w?.stop();
  await db?.drop();
});

describe('a re-login in the middle of a fan-out', () => {
  it('sends the post to every group exactly once, at the new ids; nothing fails', async () => {
    const groups = await db.prisma.chatGroup.findMany();
    expect(groups.every((g) => g.roomId === w.fake.id(ROOMS.find((r) => r.NickName === g.topic)!.UserName))).toBe(true);
    w.fake.push({
      FromUserName: NATIONAL.UserName, MsgType: 49, AppMsgType: 5, FileName: '警惕刷单诈骗', Url: 'https://mp.weixin.qq.com/s?__biz=FR&amp;mid=1&amp;idx=1',
      Content: rawArticlePush('国家反诈中心', [{ title: '警惕刷单诈骗', url: 'https://mp.weixin.qq.com/s?__biz=FR&mid=1&idx=1' }]),
    });
    const sentPosts = () => w.fake.sends.filter((s) => s.content.includes('警惕刷单诈骗')).length;
    await until(() => sentPosts() >= 3, 'the first sends', 30_000);
    // The server ends the session; nobody scans the new QR code for a while.
    w.fake.relogin({ hold: true });
    await until(() => w.fake.refused.length > 0 || w.bot.status().state !== 'logged_in', 'the end of the session', 30_000);
    await new Promise((r) => setTimeout(r, 1500));
    w.fake.scan();
    await until(() => w.fake.epoch() === 1 && w.bot.status().state === 'logged_in', 'the new login', 30_000);
    await w.ready();
    await untilFannedOut(db.pool, ROOMS.length, 'the rest of the fan-out', 60_000);

    const post = await db.prisma.post.findFirstOrThrow({ where: { title: '警惕刷单诈骗' } });
    for (const r of ROOMS) expect(w.textsTo(r.UserName).filter((t) => t.includes(post.code)), r.NickName).toHaveLength(1);
    const statuses = await db.pool.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM delivery GROUP BY status');
    expect(statuses.rows).toEqual([{ status: 'sent', n: ROOMS.length }]);
    // Every accepted send went to an id of the session it was sent in; those after the re-login to new ids.
    const late = w.fake.sends.filter((s) => s.content.includes(post.code) && s.to.endsWith('e1'));
    expect(late.length).toBeGreaterThan(0);
  }, 150_000);
});
