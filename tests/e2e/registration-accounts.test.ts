// Staff membership across bot accounts: a school's work group served by one account, its class
// groups by another (a city needs dozens of accounts). The work group's members are recorded as
// member keys; a teacher in it registers a class group on the other account; leaving it ends that.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatWorld, type ChatWorld } from '../helpers/chat-fixture.ts';
import { freshDb, importOrgCodes, type TestDb } from '../helpers/db.ts';

const ORG = 'county,name,kind,parent\n,钦州市教育局,city,\n钦南区,钦南区教育局,county,钦州市教育局\n钦南区,城东小学,school,钦南区教育局\n';

let db: TestDb;
let a: ChatWorld;
let b: ChatWorld;
let code: string;
beforeAll(async () => {
  db = await freshDb();
  code = (await importOrgCodes(db, ORG))['城东小学'];
  a = await chatWorld({ db, accountName: 'relay-a' });
  b = await chatWorld({ db, accountName: 'relay-b' });
});
afterAll(async () => {
  await a.stop();
  await b.stop();
  await db.drop();
});

describe('staff membership across bot accounts', () => {
  it('a teacher in a work group on one account registers a class group on another; after leaving it, no more', async () => {
    const work = a.group('城东小学教师工作群', ['张老师', '李老师']);
    expect(await a.person('张老师').in(work).says(`#登记 ${code}`)).toContain('登记成功');
    const recorded = await db.pool.query<{ member_key: string }>('SELECT member_key FROM work_group_member');
    expect(recorded.rows).toHaveLength(3); // the bot, 张老师, 李老师 — as keys only
    expect(JSON.stringify(recorded.rows)).not.toMatch(/老师/);

    const cls = b.group('城东小学一年级1班家长群', ['李老师', '王妈妈']);
    expect(await b.person('李老师').in(cls).says('#班级 一年级1班')).toContain('登记成功:本群已登记为「城东小学 一年级1班」的家长群');
    expect(await db.prisma.chatGroup.findFirstOrThrow({ where: { className: '一年级1班' } })).toMatchObject({ botAccountId: b.account.id });
    const other = b.group('城东小学一年级2班家长群', ['王妈妈']);
    expect(await b.person('王妈妈').in(other).says('#班级 一年级2班')).toContain('只有本校已登记工作群中的老师才能登记班级群');

    // 李老师 leaves the work group: the record follows the membership event.
    a.mocker.RoomMock.load(work.id).remove(a.person('李老师').contact).by(a.person('张老师').contact);
    for (let i = 0; i < 400 && (await db.pool.query('SELECT 1 FROM work_group_member')).rowCount !== 2; i++) await new Promise((r) => setTimeout(r, 25));
    await a.settle();
    expect((await db.pool.query('SELECT 1 FROM work_group_member')).rowCount).toBe(2);
    const later = b.group('城东小学一年级3班家长群', ['李老师']);
    expect(await b.person('李老师').in(later).says('#班级 一年级3班')).toContain('只有本校已登记工作群中的老师才能登记班级群');
  });
});
