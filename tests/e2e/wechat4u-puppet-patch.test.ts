// The patched wechaty-puppet-wechat4u (patches/README.md) against the fake web-WeChat: room members
// stay in their rooms' member lists and become wechat4u contacts only when first asked for (built from
// the list, with wechat4u's contact prototype, not fetched); a member who is already a contact (a
// friend) is updated from the list as before; the names Wechaty reads (contact name, room alias) are the
// same as without the patch.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WechatyBuilder, type Wechaty } from 'wechaty';
import { PuppetWechat4u } from 'wechaty-puppet-wechat4u';
import { BOT, installWebWechatFake, type RawContact, type WebWechatFake } from '../helpers/wechat4u-fake.ts';
import { until } from '../helpers/wechat4u-runtime.ts';

const requireHere = createRequire(import.meta.url);
const Wechat4u = requireHere(requireHere.resolve('wechat4u')) as { prototype: { updateContacts(list: RawContact[]): void } };

/** A member as the real server lists it in a room's MemberList. */
const member = (userName: string, nickName: string, displayName = ''): RawContact =>
  ({ Uin: 0, UserName: userName, NickName: nickName, AttrStatus: 2147584103, PYInitial: '', PYQuanPin: '', RemarkPYInitial: '', RemarkPYQuanPin: '', MemberStatus: 0, DisplayName: displayName, KeyWord: '' }) as RawContact;
const TEACHER = '@t1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const PARENT_1 = '@p1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const PARENT_2 = '@p2aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
/** A friend of the bot (in its contact list) who is also in room 1. */
const FRIEND = '@f1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const room = (i: number, members: RawContact[]): RawContact => ({
  UserName: `@@room${i}bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb`,
  NickName: `城东小学${i}班家长群`,
  ContactFlag: 3,
  MemberList: [member(BOT.UserName, BOT.NickName), ...members],
  MemberCount: members.length + 1,
});
const ROOMS = [
  room(1, [member(TEACHER, '王老师', '一班班主任王老师'), member(PARENT_1, '张三妈妈'), member(FRIEND, '赵老师', '德育处赵老师')]),
  room(2, [member(TEACHER, '王老师'), member(PARENT_2, '李四爸爸', '李四家长')]),
];

let fake: WebWechatFake;
let wechaty: Wechaty;
let dir: string;
const passed = new Map<string, number>(); // member id → how often it was given to updateContacts

beforeAll(async () => {
  const original = Wechat4u.prototype.updateContacts;
  vi.spyOn(Wechat4u.prototype, 'updateContacts').mockImplementation(function (this: unknown, list: RawContact[]) {
    for (const c of list ?? []) if (!c.UserName.startsWith('@@')) passed.set(c.UserName, (passed.get(c.UserName) ?? 0) + 1);
    return original.call(this, list);
  });
  fake = installWebWechatFake([...ROOMS, { UserName: FRIEND, NickName: '赵老师', ContactFlag: 3, VerifyFlag: 0 }]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'w4u-patch-'));
  wechaty = WechatyBuilder.build({ name: path.join(dir, 'patch'), puppet: new PuppetWechat4u() });
  const loggedIn = new Promise((resolve) => wechaty.once('login', resolve));
  await wechaty.start();
  await loggedIn;
  await until(async () => {
    const ids = await wechaty.puppet.roomList();
    const sizes = (await Promise.all(ids.map((id) => wechaty.puppet.roomPayload(id)))).map((p) => p.memberIdList.length).sort();
    return ids.length === 2 && sizes.join() === '3,4';
  }, 'both rooms with their members');
}, 60_000);

afterAll(async () => {
  vi.restoreAllMocks();
  // The puppet's own logout handler restarts the client it has just dropped when stopped (an
  // unhandled rejection upstream; main.ts never stops the puppet): not what this file tests.
  (wechaty?.puppet as unknown as { wechat4u?: { removeAllListeners(e: string): void } } | undefined)?.wechat4u?.removeAllListeners('logout');
  await wechaty?.stop().catch(() => undefined);
  fake?.restore();
  // The puppet's last session save may still be writing into it: a temp dir left behind is no failure.
  setTimeout(() => fs.rmSync(dir, { recursive: true, force: true }), 2_000).unref();
});

type Contacts = Record<string, Record<string, unknown> & { getDisplayName(): string }>;
const contacts = () => (wechaty.puppet as unknown as { wechat4u: { contacts: Contacts } }).wechat4u.contacts;
const batchFetches = () => fake.requests.filter((p) => p.endsWith('/webwxbatchgetcontact')).length;

describe('the patched wechat4u puppet', () => {
  it('keeps room members in their rooms: none is copied into the contact map at login, none is queued for a fetch', async () => {
    for (const id of [TEACHER, PARENT_1, PARENT_2]) {
      expect(passed.get(fake.id(id))).toBeUndefined();
      expect(fake.id(id) in contacts()).toBe(false);
    }
  });

  it('updates a member who is already a contact (a friend) from the room list, as before', async () => {
    expect(passed.get(fake.id(FRIEND))).toBeGreaterThanOrEqual(1);
    const friend = contacts()[fake.id(FRIEND)];
    expect(friend.EncryChatRoomId).toBe(fake.id(ROOMS[0].UserName));
    expect(friend.getDisplayName()).toBe('德育处赵老师');
  });

  it('builds a member as a wechat4u contact from the room list when first asked for, without fetching it', async () => {
    const fetches = batchFetches();
    const payload = await wechaty.puppet.contactPayload(fake.id(PARENT_2));
    expect(payload.name).toBe('李四爸爸');
    expect(batchFetches()).toBe(fetches); // built from the room's member list, not fetched from the server
    const parent = contacts()[fake.id(PARENT_2)];
    expect(parent.getDisplayName()).toBe('李四家长'); // wechat4u's contact methods work on it
    expect(parent.EncryChatRoomId).toBe(fake.id(ROOMS[1].UserName));
    expect(parent.OriginalNickName).toBe('李四爸爸');
    // the member list's empty fields are not copied (wechat4u's own update drops them the same way)
    for (const empty of ['Uin', 'PYInitial', 'PYQuanPin', 'RemarkPYInitial', 'RemarkPYQuanPin', 'MemberStatus', 'KeyWord']) expect(parent).not.toHaveProperty(empty);
    expect(parent.AttrStatus).toBe(2147584103);
    // the room's own member list is untouched (Wechaty reads room aliases from it)
    const listed = (contacts()[fake.id(ROOMS[1].UserName)] as unknown as { MemberList: RawContact[] }).MemberList.find((m) => m.UserName === fake.id(PARENT_2));
    expect(listed).toMatchObject({ DisplayName: '李四家长', KeyWord: '' });
  });

  it('still fetches a contact that no room lists (e.g. someone who left)', async () => {
    const fetches = batchFetches();
    const stranger = '@s1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    void (wechaty.puppet as unknown as { contactRawPayload(id: string): Promise<unknown> }).contactRawPayload(stranger).catch(() => undefined);
    await until(async () => batchFetches() > fetches, 'a fetch of the unknown contact');
  });

  it('gives Wechaty the same names: the contact name and each room its own alias', async () => {
    const teacher = await wechaty.Contact.find({ id: TEACHER });
    expect(teacher?.name()).toBe('王老师');
    const [one, two] = await Promise.all(ROOMS.map((r) => wechaty.Room.find({ id: fake.id(r.UserName) })));
    expect(await one!.alias(teacher!)).toBe('一班班主任王老师');
    expect(await two!.alias(teacher!)).toBeFalsy(); // no alias in room 2, even though room 1 has one
    expect((await two!.memberAll()).map((c) => c.name()).sort()).toEqual(['反诈宣传转发助手', '李四爸爸', '王老师'].sort());
    expect((await one!.memberAll()).map((c) => c.name()).sort()).toEqual(['反诈宣传转发助手', '张三妈妈', '王老师', '赵老师'].sort());
    expect(await one!.alias((await wechaty.Contact.find({ id: fake.id(FRIEND) }))!)).toBe('德育处赵老师');
  });

});
