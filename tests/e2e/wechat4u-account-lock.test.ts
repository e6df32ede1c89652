// A process that does not hold an account's lock changes nothing of that account (another process
// drives it): no re-matching, no room ids, no replies; it takes over when the holder stops.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAccount } from '../../bot/registry/account.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';
import { BOT, type RawContact } from '../helpers/wechat4u-fake.ts';
import { startWechat4uRuntime, until, type Wechat4uRuntime } from '../helpers/wechat4u-runtime.ts';

const LI: RawContact = { UserName: '@li'.padEnd(33, '0'), NickName: '李老师', ContactFlag: 3 };
const CLS: RawContact = {
  UserName: '@@cls'.padEnd(40, '0'), NickName: '城东小学一年级1班家长群', MemberCount: 2, ContactFlag: 3,
  MemberList: [{ UserName: BOT.UserName, NickName: BOT.NickName }, { UserName: LI.UserName, NickName: LI.NickName }],
};

let db: TestDb;
let w: Wechat4uRuntime;
let holder: pg.Client;

beforeAll(async () => {
  db = await freshDb();
  const acct = await ensureAccount(db.prisma, 'w4u-relay', 'wechaty-puppet-wechat4u');
  const unit = await db.prisma.orgUnit.create({ data: { name: '城东小学', kind: 'school' } });
  await db.prisma.chatGroup.create({
    data: { kind: 'parent', orgUnitId: unit.id, className: '一年级1班', botAccountId: acct.id, topic: CLS.NickName, status: 'active', registeredBy: '李老师', ownerKey: 'k', roomId: '@@room-of-the-other-process' },
  });
  // The other process: holds the account's lock.
  holder = new pg.Client({ connectionString: db.url });
  await holder.connect();
  await holder.query('SELECT pg_advisory_lock($1, $2)', [0x6163, acct.id]);
  w = await startWechat4uRuntime(db, [LI, CLS]);
  await w.runtime.settled();
}, 60_000);

afterAll(async () => {
  await w?.stop();
  await holder?.end().catch(() => undefined);
  await db?.drop();
});

describe('the account lock', () => {
  it('a process without it stands by: no re-matching, no replies; it takes over when the holder stops', async () => {
    expect(w.captured.messages()).toContain('another process drives this account; standing by (nothing of it is changed here) until it stops');
    const group = () => db.prisma.chatGroup.findFirstOrThrow({ where: { topic: CLS.NickName } });
    expect((await group()).roomId).toBe('@@room-of-the-other-process');
    w.fake.roomText(CLS.UserName, LI.UserName, '#状态');
    await new Promise((r) => setTimeout(r, 1500));
    await w.runtime.settled();
    expect(w.textsTo(CLS.UserName)).toEqual([]);

    await holder.end(); // the other process stops: its session and lock end
    await until(async () => (await group()).roomId === CLS.UserName, 'the take-over and re-match', 20_000);
    expect(w.captured.messages()).toContain('took the account over from a process that stopped');
    w.fake.roomText(CLS.UserName, LI.UserName, '#状态');
    await until(() => w.textsTo(CLS.UserName).length === 1, 'the reply');
    expect(w.textsTo(CLS.UserName)[0]).toContain('城东小学 一年级1班 家长群');
  }, 60_000);
});
