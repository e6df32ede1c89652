// The registration service (bot/registry/registration.ts) without any chat command or puppet: each
// operation is one transaction with its audit row, authority is checked before anything changes,
// and refusals change nothing. Every test builds its own rooms (no test depends on another).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account, AppContext } from '../../bot/app.ts';
import { UserError } from '../../bot/errors.ts';
import { ownerKeyOf, groupForRoom, LEFT_REMOVED } from '../../bot/registry/groups.ts';
import { createRegistration, LOCKOUT_MS, MAX_FAILURES, type InRoom, type RegistrationService } from '../../bot/registry/registration.ts';
import { freshDb, importOrgCodes, type TestDb } from '../helpers/db.ts';
import { account, appContext, makeAccount, recordingChat } from '../helpers/ledger-fixture.ts';
import { captureLog } from '../helpers/log.ts';

const ORG = `county,name,kind,parent
,钦州市教育局,city,
钦南区,钦南区教育局,county,钦州市教育局
钦南区,城东小学,school,钦南区教育局
钦南区,城北小学,school,钦南区教育局
`;

let db: TestDb;
let ctx: AppContext & { clock: { now(): Date; advance(ms: number): void } };
let codes: Record<string, string>;
let bot: Account;
let chat: ReturnType<typeof recordingChat>;
let activated: number[];
let service: RegistrationService;
let seq = 0;

beforeAll(async () => {
  db = await freshDb();
  codes = await importOrgCodes(db, ORG);
  ctx = appContext(db, captureLog('warn').log);
  chat = recordingChat('relay-1');
  bot = makeAccount(await account(db.pool, 'relay-1'), chat.chat);
  activated = [];
  service = createRegistration(ctx, { onGroupActivated: (id) => void activated.push(id) });
});
afterAll(async () => db.drop());

/** A new room of its own, with these members (id = name). */
function newRoom(members: string[]) {
  const n = ++seq;
  const roomId = `room-${n}`;
  const topic = `测试群${n}`;
  chat.members.set(roomId, members.map((name) => ({ id: `wxid-${name}`, name })));
  return { roomId, topic };
}

/** The room as the command router hands it to the service: registration looked up once. */
async function inRoom(room: { roomId: string; topic: string }, sender: string): Promise<InRoom> {
  return {
    account: bot, roomId: room.roomId, topic: room.topic, sender: { id: `wxid-${sender}`, name: sender }, now: ctx.clock.now(),
    registration: await groupForRoom(db.prisma, bot.id, room.roomId, room.topic),
  };
}

const auditOf = (groupId: number) => db.prisma.auditEvent.findMany({ where: { groupId }, orderBy: { id: 'asc' } });

/** A registered work group of a school, with its members in the room. */
async function workGroup(school: string, staff: string[]) {
  const room = newRoom(staff);
  const o = await service.enroll(await inRoom(room, staff[0]), codes[school]);
  expect(o.key).toBe('registry.enroll_ok');
  return { room, id: o.groupId! };
}

async function refusal(p: Promise<unknown>): Promise<UserError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(UserError);
  return err as UserError;
}

describe('registration service', () => {
  it('enroll: creates the work group with its owner key in one transaction, one audit row, the sender as contact', async () => {
    const room = newRoom(['周主任', '吴老师']);
    const o = await service.enroll(await inRoom(room, '周主任'), codes['城东小学'].replace('-', ' ').toLowerCase());
    expect(o).toMatchObject({ key: 'registry.enroll_ok', params: { unit: '城东小学', name: '周主任' } });
    const g = await db.prisma.chatGroup.findUniqueOrThrow({ where: { id: o.groupId! }, include: { orgUnit: true } });
    expect(g).toMatchObject({ kind: 'work', roomId: room.roomId, topic: room.topic, status: 'active', registeredBy: '周主任', memberCount: 2 });
    expect(g.ownerKey).toBe(ownerKeyOf(ctx, g.id, '周主任'));
    expect(g.orgUnit.contactName).toBe('周主任');
    expect((await auditOf(g.id)).map((a) => [a.action, a.actor])).toEqual([['group.registered', '周主任']]);
    expect(activated).toContain(g.id);
    // Its members are recorded for staff checks from other accounts.
    expect(await db.prisma.workGroupMember.count({ where: { groupId: g.id } })).toBe(2);
    // The same code again in the same room: nothing new.
    const again = await service.enroll(await inRoom(room, '吴老师'), codes['城东小学']);
    expect(again.key).toBe('registry.enroll_again');
    expect(await auditOf(g.id)).toHaveLength(1);
  });

  it('enroll: wrong codes are counted per room and lock it out for an hour, the right code included', async () => {
    const room = newRoom(['冒充者']);
    for (let i = 1; i < MAX_FAILURES; i++) {
      const e = await refusal(service.enroll(await inRoom(room, '冒充者'), 'AAAA-AAAA'));
      expect([e.key, e.params.count]).toEqual(['registry.enroll_wrong', i]);
    }
    const last = await refusal(service.enroll(await inRoom(room, '冒充者'), 'AAAA-AAAA'));
    expect(last.key).toBe('registry.enroll_locked');
    const locked = await db.prisma.auditEvent.findMany({ where: { action: 'group.enroll_locked', detail: { path: ['topic'], equals: room.topic } } });
    expect(locked).toHaveLength(1);
    const right = await refusal(service.enroll(await inRoom(room, '冒充者'), codes['城北小学']));
    expect(right.key).toBe('registry.enroll_locked');
    expect(await db.prisma.chatGroup.count({ where: { topic: room.topic } })).toBe(0);
    // An hour later the right code works.
    ctx.clock.advance(LOCKOUT_MS + 1000);
    expect((await service.enroll(await inRoom(room, '冒充者'), codes['城北小学'])).key).toBe('registry.enroll_ok');
  });

  it('class: only staff of a registered school work group; the teacher owns it and auto-forward stays off', async () => {
    const work = await workGroup('城东小学', ['钱老师', '孙老师']);
    const stranger = await refusal(service.registerClass(await inRoom(newRoom(['路人']), '路人'), ['三年级2班']));
    expect(stranger.key).toBe('registry.class_not_staff');
    const room = newRoom(['钱老师', '王妈妈']);
    const before = activated.length;
    const o = await service.registerClass(await inRoom(room, '钱老师'), ['三年级（２）班']);
    expect(o).toMatchObject({ key: 'registry.class_ok', params: { school: '城东小学', class: '三年级(2)班', name: '钱老师' } });
    const g = await db.prisma.chatGroup.findUniqueOrThrow({ where: { id: o.groupId! } });
    expect(g).toMatchObject({ kind: 'parent', className: '三年级(2)班', autoForward: false, registeredBy: '钱老师', memberCount: 2 });
    expect(g.ownerKey).toBe(ownerKeyOf(ctx, g.id, '钱老师'));
    expect((await auditOf(g.id)).map((a) => a.action)).toEqual(['group.registered']);
    expect(activated.length).toBe(before); // nothing is sent before the teacher opts in
    const twice = await refusal(service.registerClass(await inRoom(room, '钱老师'), ['三年级3班']));
    expect(twice.key).toBe('registry.class_already');
    expect(work.id).not.toBe(g.id);
  });

  it('auto-forward, pause, resume, unregister: only the owner or the unit contact; a refusal changes nothing', async () => {
    await workGroup('城北小学', ['郑主任', '冯老师']);
    const room = newRoom(['冯老师', '家长甲']);
    const { groupId } = await service.registerClass(await inRoom(room, '冯老师'), ['一年级1班']);
    const id = groupId!;
    const refused = await refusal(service.setAutoForward(await inRoom(room, '家长甲'), true));
    expect(refused).toMatchObject({ key: 'registry.not_manager', params: { owner: '冯老师' } });
    expect(await auditOf(id)).toHaveLength(1);

    expect((await service.setAutoForward(await inRoom(room, '冯老师'), true)).key).toBe('registry.auto_on');
    expect(activated.at(-1)).toBe(id);
    expect((await service.setAutoForward(await inRoom(room, '冯老师'), true)).key).toBe('registry.already');
    // The unit's contact (who is in the school's work group) may manage it too.
    expect((await service.pause(await inRoom(room, '郑主任'))).key).toBe('registry.paused');
    expect((await db.prisma.chatGroup.findUniqueOrThrow({ where: { id } })).status).toBe('paused');
    expect((await service.pause(await inRoom(room, '冯老师'))).key).toBe('registry.already');
    expect((await service.resume(await inRoom(room, '冯老师'))).key).toBe('registry.resumed');
    expect((await service.unregister(await inRoom(room, '冯老师'))).key).toBe('registry.unregistered');
    const g = await db.prisma.chatGroup.findUniqueOrThrow({ where: { id } });
    expect(g).toMatchObject({ status: 'left', statusReason: 'unregistered', roomId: null, autoForward: false });
    expect((await auditOf(id)).map((a) => [a.action, a.actor])).toEqual([
      ['group.registered', '冯老师'], ['group.auto_forward_on', '冯老师'], ['group.paused', '郑主任'],
      ['group.resumed', '冯老师'], ['group.unregistered', '冯老师'],
    ]);
    // After #注销 the room is unregistered: commands say so.
    expect((await refusal(service.pause(await inRoom(room, '冯老师')))).key).toBe('registry.not_registered');
  });

  it('work groups have no auto-forward switch; #恢复 after removal restores the status the group had', async () => {
    const work = await workGroup('城北小学', ['褚老师']);
    expect((await refusal(service.setAutoForward(await inRoom(work.room, '褚老师'), false))).key).toBe('registry.auto_not_parent');
    await service.pause(await inRoom(work.room, '褚老师'));
    // The bot was removed (what onRoomEvent's bot_left does), then added to a room with a new id.
    await db.prisma.chatGroup.update({ where: { id: work.id }, data: { status: 'left', statusReason: LEFT_REMOVED, settings: { statusBefore: 'paused' } } });
    const readded = { roomId: `${work.room.roomId}-new`, topic: work.room.topic };
    chat.members.set(readded.roomId, [{ id: 'wxid-褚老师', name: '褚老师' }]);
    const o = await service.resume(await inRoom(readded, '褚老师'));
    expect(o.key).toBe('registry.resumed_after_rejoin');
    const g = await db.prisma.chatGroup.findUniqueOrThrow({ where: { id: work.id } });
    expect(g).toMatchObject({ status: 'paused', statusReason: null, roomId: readded.roomId });
    expect((await auditOf(work.id)).map((a) => a.action).slice(-1)).toEqual(['group.rejoin_confirmed']);
  });

  it('source group: bureau members only', async () => {
    const bureau = await workGroup('钦南区教育局', ['蒋科长']);
    expect(bureau.id).toBeGreaterThan(0);
    const teacher = await workGroup('城东小学', ['沈老师']);
    expect(teacher.id).toBeGreaterThan(0);
    const refused = await refusal(service.registerSourceGroup(await inRoom(newRoom(['沈老师']), '沈老师')));
    expect(refused.key).toBe('registry.source_not_bureau');
    const o = await service.registerSourceGroup(await inRoom(newRoom(['蒋科长']), '蒋科长'));
    expect(o).toMatchObject({ key: 'registry.source_ok', params: { unit: '钦南区教育局' } });
    expect((await auditOf(o.groupId!)).map((a) => a.action)).toEqual(['group.registered']);
  });

  it('a failing activation hook is logged; the registration stands', async () => {
    const log = captureLog('warn');
    const failing = createRegistration({ ...ctx, log: log.log }, { onGroupActivated: () => { throw new Error('relay down'); } });
    const room = newRoom(['韩主任']);
    const o = await failing.enroll(await inRoom(room, '韩主任'), codes['钦州市教育局']);
    expect(o.key).toBe('registry.enroll_ok');
    expect(await db.prisma.chatGroup.count({ where: { id: o.groupId! } })).toBe(1);
    expect(log.messages()).toContain('onGroupActivated hook failed; the registration itself is saved');
  });
});
