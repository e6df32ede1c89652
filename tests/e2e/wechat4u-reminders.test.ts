// Reminders on the REAL wechaty-puppet-wechat4u against the fake server: one teacher owns 20 class
// groups below target. Each group gets its reminder; the teacher gets ONE private message listing
// all of them; and every send of the account is paced by its one pacer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReminders } from '../../bot/ledger/reminders.ts';
import { ownerKey } from '../../bot/ledger/member-key.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';
import { BOT, type RawContact } from '../helpers/wechat4u-fake.ts';
import { openSettings, startWechat4uRuntime, type Wechat4uRuntime } from '../helpers/wechat4u-runtime.ts';

const person = (tag: string, name: string): RawContact => ({ UserName: `@${tag}`.padEnd(33, '0'), NickName: name, ContactFlag: 3 });
const LI = person('li', '李老师');
const PARENTS = [person('wang', '王妈妈'), person('zhao', '赵爸爸')];
const ROOMS = Array.from({ length: 20 }, (_, i): RawContact => ({
  UserName: `@@cls${i}x`.padEnd(40, '0'), NickName: `城东小学${i + 1}班家长群`, MemberCount: 4, ContactFlag: 3,
  MemberList: [BOT, LI, ...PARENTS].map((c) => ({ UserName: c.UserName, NickName: c.NickName, DisplayName: '' })),
}));
const GAP = 300;

let db: TestDb;
let w: Wechat4uRuntime;

beforeAll(async () => {
  db = await freshDb();
  w = await startWechat4uRuntime(db, [LI, ...PARENTS, ...ROOMS], { settings: openSettings({ gapMs: [GAP, GAP + 100] }) });
  await w.runtime.settled();
  const account = w.runtime.accounts[0];
  const unit = await db.prisma.orgUnit.create({ data: { name: '城东小学', kind: 'school' } });
  const source = await db.prisma.source.create({ data: { kind: 'official', scope: 'national', name: '国家反诈中心', key: 'official:国家反诈中心' } });
  const post = await db.prisma.post.create({ data: { sourceId: source.id, kind: 'article', title: '警惕刷单返利诈骗', canonicalKey: 'test:reminders' } });
  for (const [i, r] of ROOMS.entries()) {
    const g = await db.prisma.chatGroup.create({
      data: { kind: 'parent', orgUnitId: unit.id, className: `${i + 1}班`, botAccountId: account.id, topic: r.NickName, status: 'active', autoForward: true, registeredBy: '李老师', ownerKey: '', roomId: r.UserName, memberCount: 4 },
    });
    await db.prisma.chatGroup.update({ where: { id: g.id }, data: { ownerKey: ownerKey(db.ledgerSecret, g.id, '李老师') } });
    // Delivered the evening before, nobody confirmed yet.
    await db.prisma.delivery.create({
      data: { postId: post.id, groupId: g.id, botAccountId: account.id, status: 'sent', dueAt: new Date('2026-11-22T19:00:00+08:00'), sentAt: new Date('2026-11-22T19:10:00+08:00'), membersAtSend: 3 },
    });
  }
}, 60_000);

afterAll(async () => {
  await w?.stop();
  await db?.drop();
});

describe('reminders of 20 groups owned by one teacher', () => {
  it('remind each group once, send the teacher one private list of all 20, and pace every send', async () => {
    const before = w.fake.sends.length;
    const r = await runReminders(w.ctx, w.runtime.accounts, { kind: 'parent' });
    expect(r.groups).toHaveLength(20);
    expect(r.privateLists).toBe(1);
    const sends = w.fake.sends.slice(before);
    const toTeacher = sends.filter((s) => s.to === w.fake.id(LI.UserName));
    expect(toTeacher).toHaveLength(1);
    for (const room of ROOMS) expect(toTeacher[0].content).toContain(`【${room.NickName}】`);
    for (const room of ROOMS) expect(sends.filter((s) => s.to === room.UserName)).toHaveLength(1);
    // One pacer for the account: consecutive sends at least the minimum gap apart.
    const at = sends.map((s) => s.at);
    // (times are the fake server's arrivals: one request may arrive late under load and the next on
    // time, so each gap gets slack, the whole run none: no burst, and the pace is kept overall)
    for (let i = 1; i < at.length; i++) expect(at[i] - at[i - 1]).toBeGreaterThanOrEqual(GAP * 0.6);
    expect(at.at(-1)! - at[0]).toBeGreaterThanOrEqual((at.length - 1) * GAP - 50);
    // Once a day per group and per teacher: another post of yesterday, found open in a later run
    // the same evening, waits for tomorrow's reminder.
    const g0 = await db.prisma.chatGroup.findFirstOrThrow({ where: { topic: ROOMS[0].NickName } });
    const source = await db.prisma.source.findFirstOrThrow();
    const other = await db.prisma.post.create({ data: { sourceId: source.id, kind: 'article', title: '冒充客服退款诈骗', canonicalKey: 'test:reminders-2' } });
    await db.prisma.delivery.create({
      data: { postId: other.id, groupId: g0.id, botAccountId: w.runtime.accounts[0].id, status: 'sent', dueAt: new Date('2026-11-22T19:00:00+08:00'), sentAt: new Date('2026-11-22T19:20:00+08:00'), membersAtSend: 3 },
    });
    const again = w.fake.sends.length;
    const r2 = await runReminders(w.ctx, w.runtime.accounts, { kind: 'parent' });
    expect(r2.groups).toEqual([]);
    expect(r2.privateLists).toBe(0);
    expect(w.fake.sends.length).toBe(again);
  }, 120_000);
});
