// Bugs seen from the outside in the inbound path, each reproduced through the mock puppet:
// messages of one chat overtaking each other, #自动转发 / #状态 in a work group saying "off" while
// posts arrive, and #状态 showing an ambiguous group's details in another room with its topic.
// Each test builds what it needs (no test depends on an earlier one).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planRow } from '../../bot/relay/plan.ts';
import { chatWorld, type ChatWorld } from '../helpers/chat-fixture.ts';
import { freshDb, importOrgCodes, type TestDb } from '../helpers/db.ts';

const ORG = `county,name,kind,parent
,钦州市教育局,city,
钦南区,钦南区教育局,county,钦州市教育局
钦南区,城东小学,school,钦南区教育局
钦南区,城北小学,school,钦南区教育局
钦南区,城南小学,school,钦南区教育局
`;

let db: TestDb;
let w: ChatWorld;
let codes: Record<string, string>;
beforeAll(async () => {
  db = await freshDb();
  codes = await importOrgCodes(db, ORG);
  w = await chatWorld({ db });
});
afterAll(async () => {
  await w.stop();
  await db.drop();
});

/** A registered work group of `school` whose contact is `staff`, with `teachers` as members. */
async function workGroup(school: string, staff: string, teachers: string[]) {
  const room = w.group(`${school}教师工作群`, [staff, ...teachers]);
  expect(await w.person(staff).in(room).says(`#登记 ${codes[school]}`)).toContain('登记成功');
  return room;
}

describe('inbound messages', () => {
  it('handles the messages of one chat in the order they arrived: #班级 then #自动转发 开 back to back', async () => {
    await workGroup('城东小学', '张主任', ['周老师']);
    const cls = w.group('城东小学一年级1班家长群', ['周老师', '家长甲']);
    const teacher = w.person('周老师').in(cls);
    // Member lists are slow on wechat4u (fetched in batches): #班级 checks the teacher against the
    // work group's members, so it is still running when the next message arrives.
    const memberList = w.puppet.roomMemberList.bind(w.puppet);
    w.puppet.roomMemberList = async (roomId: string) => {
      await new Promise((r) => setTimeout(r, 300));
      return memberList(roomId);
    };
    // Sent back to back, without waiting for the first answer.
    try {
      await Promise.all([teacher.says('#班级 一年级1班'), teacher.says('#自动转发 开')]);
    } finally {
      w.puppet.roomMemberList = memberList;
    }
    await w.settle();
    const replies = w.sent(cls.id);
    expect(replies).toHaveLength(2);
    expect(replies[0]).toContain('登记成功:本群已登记为「城东小学 一年级1班」的家长群');
    expect(replies[1]).toContain('已开启自动转发');
    const g = await db.prisma.chatGroup.findFirstOrThrow({ where: { topic: '城东小学一年级1班家长群' } });
    expect(g).toMatchObject({ kind: 'parent', status: 'active', autoForward: true });
  });

  it('in a work group, #自动转发 says that work groups always receive posts, and #状态 says 开', async () => {
    const room = await workGroup('城北小学', '钱主任', []);
    const staff = w.person('钱主任').in(room);
    expect(await staff.says('#自动转发 关')).toBe('工作群始终接收反诈宣传转发,无需开启或关闭自动转发;如需暂停,请发送 #暂停。');
    const g = await db.prisma.chatGroup.findFirstOrThrow({ where: { topic: '城北小学教师工作群' } });
    // What the relay does agrees with what the bot said: a post is planned for the work group.
    const row = planRow(
      { id: 1, code: 'F1', audience: 'all', urgent: false },
      { id: g.id, kind: 'work', status: g.status, status_reason: g.statusReason, auto_forward: g.autoForward, bot_account_id: g.botAccountId, settings: g.settings },
      new Date('2026-11-27T09:00:00+08:00'), w.ctx.settings.relay, 'Asia/Shanghai',
    );
    expect(row).toMatchObject({ status: 'pending', error: null });
    expect(await staff.says('#状态')).toContain('自动转发:开(工作群始终接收)');
    expect(await staff.says('#帮助')).not.toContain('#自动转发');
    expect(await staff.says('#暂停')).toContain('已暂停');
  });

  it('#状态 in another room with an ambiguous group\'s topic shows nothing of that group', async () => {
    await workGroup('城南小学', '孙主任', ['吴老师']);
    const cls = w.group('城南小学二年级3班家长群', ['吴老师', '家长乙']);
    expect(await w.person('吴老师').in(cls).says('#班级 二年级3班')).toContain('登记成功');
    // After a re-login the group could not be matched to one room: ambiguous, room unknown.
    await db.prisma.chatGroup.updateMany({ where: { topic: '城南小学二年级3班家长群' }, data: { status: 'ambiguous', roomId: null } });
    const lookalike = w.group('城南小学二年级3班家长群', ['陌生人']);
    const reply = await w.person('陌生人').in(lookalike).says('#状态');
    expect(reply).toBe('本群的登记待确认:请登记人重新发送 #登记 <登记码>(工作群)或 #班级 <班级名>(家长群)。');
    for (const secret of ['二年级3班', '吴老师', '城南小学']) expect(reply).not.toContain(secret);
  });
});
