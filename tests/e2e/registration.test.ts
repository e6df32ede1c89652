// Registration through the chat commands, on the mock puppet. Every test makes its own rooms, with
// topics and people of its own, and registers what it needs itself (workGroup / classGroup below):
// no test depends on what an earlier one left behind, and each counts only its own audit rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatWorld, type ChatWorld } from '../helpers/chat-fixture.ts';
import { freshDb, importOrgCodes, type TestDb } from '../helpers/db.ts';
import { memberKey, ownerKey } from '../../bot/ledger/member-key.ts';

const ORG = `county,name,kind,parent
,钦州市教育局,city,
钦南区,钦南区教育局,county,钦州市教育局
钦南区,城东小学,school,钦南区教育局
钦南区,城西中学,school,钦南区教育局
`;

type RoomMock = ReturnType<ChatWorld['group']>;

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

/** The audit rows of one group with this action. */
const audits = (groupId: number, action: string) => db.prisma.auditEvent.count({ where: { groupId, action } });
const groupOf = (topic: string) => db.prisma.chatGroup.findFirstOrThrow({ where: { topic } });

let n = 0;
/** A work group of 城东小学 registered by its first member (the first test shows the steps). */
async function workGroup(staff: string[]): Promise<{ room: RoomMock; topic: string }> {
  const topic = `城东小学教师工作群${++n}`;
  const room = w.group(topic, staff);
  expect(await w.person(staff[0]).in(room).says(`#登记 ${codes['城东小学']}`)).toContain('登记成功');
  return { room, topic };
}

/** A class parent group of 城东小学 registered by `teacher` (who gets a work group of the school first). */
async function classGroup(teacher: string, parents: string[], className: string): Promise<{ room: RoomMock; topic: string }> {
  await workGroup([teacher]);
  const topic = `城东小学${className}家长群${++n}`;
  const room = w.group(topic, [teacher, ...parents]);
  expect(await w.person(teacher).in(room).says(`#班级 ${className}`)).toContain('登记成功');
  return { room, topic };
}

describe('registering groups by chat commands', () => {
  it('staff register their work group with the unit code', async () => {
    const work = w.group('城东小学教职工群', ['张老师', '李老师']);
    const reply = await w.person('张老师').in(work).says(`#登记 ${codes['城东小学']}`);
    expect(reply).toContain('登记成功:本群已登记为「城东小学」的工作群,张老师 为本单位联系人');
    const g = await groupOf('城东小学教职工群');
    expect(g).toMatchObject({ kind: 'work', status: 'active', registeredBy: '张老师', roomId: work.id, memberCount: 3 });
    // The owner key is not the registrant's member key: registered_by cannot name their confirmations.
    expect(g.ownerKey).toBe(ownerKey(db.ledgerSecret, g.id, '张老师'));
    expect(g.ownerKey).not.toBe(memberKey(db.ledgerSecret, g.id, '张老师'));
    expect((await db.prisma.orgUnit.findFirstOrThrow({ where: { name: '城东小学' } })).contactName).toBe('张老师');
    expect(await audits(g.id, 'group.registered')).toBe(1);
    expect(w.activated.at(-1)).toBe(g.id); // the relay may plan recent posts for it
    expect(await w.person('李老师').in(work).says(`＃登记 ${codes['城东小学'].toLowerCase()}`)).toContain('无需重复登记');
    expect(await audits(g.id, 'group.registered')).toBe(1);
  });

  it('reads full-width commands and answers unknown commands and bad arguments politely', async () => {
    const room = w.group('随便一个群', ['王五']);
    expect(await w.person('王五').in(room).says('＃不存在')).toContain('没有"#不存在"这个命令');
    expect(await w.person('王五').in(room).says('#登记')).toContain('命令格式不对:#登记 <登记码>');
    expect(await w.person('王五').in(room).says('#登记 ' + 'x'.repeat(2000))).toContain('这条命令太长了');
    expect(await w.person('王五').in(room).says('大家好 #登记 😀')).toBe('');
    expect(await w.person('王五').says('#登记 ABCD-EFGH')).toContain('#登记 只能在群里使用');
    expect(await db.prisma.chatGroup.count({ where: { topic: '随便一个群' } })).toBe(0);
  });

  it('locks a group out after 5 wrong codes in an hour', async () => {
    const room = w.group('可疑的群', ['路人甲']);
    for (let i = 1; i <= 4; i++) expect(await w.person('路人甲').in(room).says('#登记 WRON-GCOD')).toContain(`第 ${i} 次`);
    expect(await w.person('路人甲').in(room).says('#登记 WRON-GCOD')).toContain('登记暂停至');
    // Even the right code is refused while locked out, without revealing whether it is right.
    expect(await w.person('路人甲').in(room).says(`#登记 ${codes['城西中学']}`)).toContain('登记暂停至');
    expect(await db.prisma.chatGroup.count({ where: { topic: '可疑的群' } })).toBe(0);
    w.clock.advance(61 * 60_000);
    expect(await w.person('路人甲').in(room).says(`#登记 ${codes['城西中学']}`)).toContain('登记成功');
  });

  it('a teacher of a registered school registers a class group; others are refused', async () => {
    await workGroup(['孙老师']);
    const cls = w.group('城东小学三年级2班家长群', ['孙老师', '王妈妈']);
    const parents = () => db.prisma.chatGroup.count({ where: { topic: '城东小学三年级2班家长群' } });
    expect(await w.person('王妈妈').in(cls).says('#班级 三年级2班')).toContain('只有本校已登记工作群中的老师');
    expect(await parents()).toBe(0);
    expect(await w.person('孙老师').in(cls).says('#班级 城西中学 三年级2班')).toContain('您不在「城西中学」已登记的工作群中');
    expect(await w.person('孙老师').in(cls).says('#发布')).toContain('#发布 只能私聊机器人使用');
    expect(await parents()).toBe(0);
    expect(await w.person('孙老师').in(cls).says('#班级 三年级2班')).toContain('登记成功:本群已登记为「城东小学 三年级2班」的家长群,班主任为 孙老师');
    const g = await groupOf('城东小学三年级2班家长群');
    expect(g).toMatchObject({ kind: 'parent', className: '三年级2班', autoForward: false, registeredBy: '孙老师' });
    expect(g.ownerKey).toBe(ownerKey(db.ledgerSecret, g.id, '孙老师'));
    expect(g.ownerKey).not.toBe(memberKey(db.ledgerSecret, g.id, '孙老师'));
  });

  it('only the owner turns auto-forwarding on, pauses and resumes', async () => {
    const { room, topic } = await classGroup('周老师', ['赵妈妈'], '四年级1班');
    const id = (await groupOf(topic)).id;
    expect(await w.person('赵妈妈').in(room).says('#自动转发 开')).toContain('只有本群的登记人(周老师)');
    expect(await w.person('周老师').in(room).says('#自动转发 开')).toContain('已开启自动转发');
    expect(w.activated.at(-1)).toBe(id);
    // The ledger's commands run through the same table.
    expect(await w.person('赵妈妈').in(room).says('#统计')).toContain('只有本群的登记人(周老师)或本单位联系人可以这样做');
    expect(await w.person('周老师').in(room).says('#统计')).toContain('本群没有需要确认的推送');
    expect(await w.person('周老师').in(room).says('#自动转发 开')).toContain('已经是这个状态');
    expect(await w.person('周老师').in(room).says('#自动转发 也许')).toContain('命令格式不对');
    expect(await w.person('周老师').in(room).says('#暂停')).toContain('已暂停');
    expect((await groupOf(topic)).status).toBe('paused');
    expect(await w.person('周老师').in(room).says('#恢复')).toContain('已恢复');
    expect(await w.person('周老师').in(room).says('#状态')).toMatch(/城东小学 四年级1班 家长群[\s\S]*状态:正常[\s\S]*自动转发:开/);
    expect(await audits(id, 'group.auto_forward_on')).toBe(1);
    expect(await audits(id, 'group.paused')).toBe(1);
    expect(await audits(id, 'group.resumed')).toBe(1);
  });

  it('#帮助 lists only what the asker may use', async () => {
    const { room } = await classGroup('吴老师', ['钱妈妈'], '五年级1班');
    const parent = await w.person('钱妈妈').in(room).says('#帮助');
    expect(parent).toContain('#状态');
    expect(parent).not.toContain('#自动转发');
    expect(parent).not.toContain('#发布');
    const teacher = await w.person('吴老师').in(room).says('#帮助');
    expect(teacher).toContain('#自动转发');
    expect(teacher).toContain('#暂停');
    expect(teacher).not.toContain('#恢复');
  });

  it('bot removed → left; re-added → back only after the owner confirms', async () => {
    const { room, topic } = await classGroup('郑老师', ['冯妈妈'], '六年级1班');
    const id = (await groupOf(topic)).id;
    await w.after('room-leave', () => room.remove(w.bot).by(w.person('冯妈妈').contact));
    await w.settle();
    expect(await groupOf(topic)).toMatchObject({ status: 'left', statusReason: 'removed' });
    await w.after('room-join', () => room.add(w.bot).by(w.person('冯妈妈').contact));
    await w.settle();
    expect(w.sent(room.id).at(-1)).toContain('请登记人(郑老师)发送 #恢复 确认');
    expect((await groupOf(topic)).status).toBe('left');
    expect(await w.person('冯妈妈').in(room).says('#恢复')).toContain('只有本群的登记人');
    expect(await w.person('郑老师').in(room).says('#恢复')).toContain('已确认:本群恢复为「城东小学 六年级1班 家长群」');
    expect((await groupOf(topic)).status).toBe('active');
    expect(await audits(id, 'group.removed')).toBe(1);
    expect(await audits(id, 'group.rejoin_confirmed')).toBe(1);
  });

  it('a topic change seen live updates the record', async () => {
    const { room, topic } = await workGroup(['褚老师']);
    const id = (await groupOf(topic)).id;
    await w.after('room-topic', () => room.topic('城东小学全体教师').by(w.person('褚老师').contact));
    await w.settle();
    expect(await db.prisma.chatGroup.findUniqueOrThrow({ where: { id } })).toMatchObject({ topic: '城东小学全体教师' });
    expect(await audits(id, 'group.topic_changed')).toBe(1);
  });

  it('#注销 ends the registration', async () => {
    const { room, topic } = await classGroup('蒋老师', ['沈妈妈'], '一年级3班');
    const g = await groupOf(topic);
    expect(await w.person('沈妈妈').in(room).says('#注销')).toContain('只有本群的登记人');
    expect(await w.person('蒋老师').in(room).says('#注销')).toContain('已注销');
    expect(await db.prisma.chatGroup.findUniqueOrThrow({ where: { id: g.id } })).toMatchObject({ status: 'left', statusReason: 'unregistered', roomId: null });
    expect(await audits(g.id, 'group.unregistered')).toBe(1);
    expect(await w.person('蒋老师').in(room).says('#状态')).toContain('本群还没有登记');
  });

  // A re-login changes every room id of the session: kept last, since rooms made before it are stale after it.
  it('after a re-login with new room ids, groups are re-matched by topic; duplicates stay ambiguous', async () => {
    const work = await workGroup(['韩老师']);
    const cls = await classGroup('杨老师', ['朱妈妈'], '二年级2班');
    // Two rooms now share the topic of the class group: never guessed.
    w.group(cls.topic, ['秦老师']);
    const renamed = await w.relogin();
    const wg = await groupOf(work.topic);
    expect(wg.status).toBe('active');
    expect([...renamed.values()].map((r) => r.id)).toContain(wg.roomId);
    expect(await groupOf(cls.topic)).toMatchObject({ status: 'ambiguous', roomId: null, statusReason: '2 rooms have this topic' });
    expect(w.log.messages()).toContain('a registered group cannot be matched to one room; it stays ambiguous until re-registered there');
    // Re-registering in the right room resolves it.
    const right = [...renamed.values()].find((r) => r.payload.topic === cls.topic && r.payload.memberIdList.length === 3)!;
    expect(await w.person('杨老师').in(right).says('#班级 二年级2班')).toContain('已确认');
    expect(await groupOf(cls.topic)).toMatchObject({ status: 'active', roomId: right.id });
  });
});
