// Who is counted (issue 11): in a class parent group the families only — the bot, the homeroom
// teacher who registered the group and registered school staff (members of the school's work group,
// the unit's contact) are not in members at send, their replies confirm nothing there, and they are
// never named as unconfirmed in reminders. In a work group every member but the bot counts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Member } from '../../bot/chat-types.ts';
import { fixedClock } from '../../bot/clock.ts';
import { readAudience } from '../../bot/ledger/audience.ts';
import { insertConfirmations } from '../../bot/ledger/confirm.ts';
import { coverageByPost, groupCoverage } from '../../bot/ledger/coverage.ts';
import { memberKey, ownerKey } from '../../bot/ledger/member-key.ts';
import { runReminders } from '../../bot/ledger/reminders.ts';
import { planPost } from '../../bot/relay/plan.ts';
import { startWorker } from '../../bot/relay/worker.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';
import { addPost, RecordingChat, seedWorld, testContext, testSettings, type World } from '../helpers/relay-world.ts';

const bj = (local: string) => new Date(`${local}+08:00`);
let db: TestDb;
let world: World;
let work: World['groups'][number];
let parent: World['groups'][number];
const clock = fixedClock(bj('2026-11-26T07:00')); // a Thursday

/** A chat whose rooms hold named people; the same person has the same id in every room. */
class PeopleChat extends RecordingChat {
  rooms_ = new Map<string, string[]>();
  override async roomMembers(roomId: string): Promise<Member[]> {
    return (this.rooms_.get(roomId) ?? []).map((name) => ({ id: `wxid-${name}`, name }));
  }
}
let chat: PeopleChat;

beforeAll(async () => {
  db = await freshDb();
  world = await seedWorld(db.pool, ['relay-aud'], [{ kind: 'work', account: 0 }, { kind: 'parent', account: 0 }]);
  [work, parent] = world.groups;
  // The parent group was registered by 王老师; the school's contact is 李校长.
  await db.pool.query('UPDATE chat_group SET owner_key = $2 WHERE id = $1', [parent.id, ownerKey(db.ledgerSecret, parent.id, '王老师')]);
  await db.pool.query("UPDATE org_unit SET contact_name = '李校长' WHERE id = $1", [world.unitId]);
  chat = new PeopleChat('relay-aud', clock);
  chat.rooms_.set(work.roomId, ['反诈助手', '王老师', '黄主任', '张老师']);
  chat.rooms_.set(parent.roomId, ['反诈助手', '王老师', '黄主任', '李校长', '张伟妈妈', '李华爸爸', '陈晨奶奶']);
});
afterAll(async () => db.drop());

const account = () => ({ id: world.accounts[0].id, name: world.accounts[0].name, chat });

describe('who is counted', () => {
  it('splits a parent group into families and staff; a work group is all staff but the bot', async () => {
    const deps = { pool: db.pool, secret: db.ledgerSecret, chat, now: clock.now() };
    const g = { orgUnitId: world.unitId, botAccountId: world.accounts[0].id, botName: '反诈助手', ownerKey: '' };
    const p = await readAudience(deps, { ...g, id: parent.id, kind: 'parent', roomId: parent.roomId, ownerKey: ownerKey(db.ledgerSecret, parent.id, '王老师') });
    expect(p.families.map((m) => m.name)).toEqual(['张伟妈妈', '李华爸爸', '陈晨奶奶']);
    expect(p.staff.map((m) => m.name)).toEqual(['王老师', '黄主任', '李校长']);
    expect(p.owner?.name).toBe('王老师');
    const w = await readAudience(deps, { ...g, id: work.id, kind: 'work', roomId: work.roomId });
    expect([w.count, w.families.map((m) => m.name)]).toEqual([3, ['王老师', '黄主任', '张老师']]);
  });

  it('members at send count families; staff are recorded apart; staff replies confirm nothing', async () => {
    const ctx = testContext(db, clock);
    const post = await addPost(db.pool, world, { title: '警惕刷单返利诈骗' });
    await planPost(ctx, post.id, testSettings());
    clock.set(bj('2026-11-26T12:00'));
    await startWorker(ctx, account(), { settings: testSettings({ gapMs: [0, 0] }), stopWhenIdle: true }).done;
    const { rows } = await db.pool.query('SELECT group_id, status, members_at_send, staff_at_send FROM delivery WHERE post_id = $1 ORDER BY group_id', [post.id]);
    expect(rows).toEqual([
      { group_id: work.id, status: 'sent', members_at_send: 3, staff_at_send: null },
      { group_id: parent.id, status: 'sent', members_at_send: 3, staff_at_send: 3 },
    ]);
    const reply = (name: string) => ({ groupId: parent.id, memberKey: memberKey(db.ledgerSecret, parent.id, name), at: bj('2026-11-26T12:30'), general: true, codes: [], words: [], via: 'code' as const });
    expect(await insertConfirmations(db.pool, [reply('王老师'), reply('黄主任'), reply('李校长')], 7 * 86_400_000)).toBe(0);
    expect(await insertConfirmations(db.pool, [reply('张伟妈妈')], 7 * 86_400_000)).toBe(1);
    const mine = (await groupCoverage(db.pool, parent.id, bj('2026-11-20T00:00')))[0];
    expect([mine.members, mine.confirmed, mine.pct, mine.staff]).toEqual([3, 1, 33.3, 3]);
    const c = await coverageByPost(db.pool, { postCode: post.code, by: 'group' });
    expect(c.total).toMatchObject({ members: 6, confirmed: 1, staff: 3 });
  });

  it('reminders name families only, and the teacher gets the list privately', async () => {
    clock.set(bj('2026-11-27T19:30')); // the next evening: posts delivered before today
    const ctx = testContext(db, clock);
    const r = await runReminders(ctx, [account()], { kind: 'parent', gapMs: 0 });
    expect(r.groups).toMatchObject([{ groupId: parent.id, names: 2, owner: true }]);
    const text = chat.textsTo(parent.roomId).at(-1)!;
    expect(text).toContain('未确认 2 人:李华爸爸、陈晨奶奶');
    for (const staff of ['王老师', '黄主任', '李校长']) expect(text).not.toContain(staff);
    expect(chat.sent.some((s) => s.roomId === 'contact:wxid-王老师')).toBe(true);
  });
});

describe('staff of a work group served by another bot account', () => {
  it('are known by the recorded member keys and are not counted either', async () => {
    // A city needs dozens of accounts: the school's second work group is on another account, which
    // records its members as keys (bot/registry/staff.ts); 赵老师 is in it and in the parent group.
    const other = await db.pool.query<{ id: number }>("INSERT INTO bot_account (name, puppet, login_name) VALUES ('relay-other', 'fake', '反诈助手2') RETURNING id");
    const wg = await db.pool.query<{ id: number }>(
      `INSERT INTO chat_group (kind, org_unit_id, bot_account_id, topic, room_id, registered_by, owner_key, status)
       VALUES ('work', $1, $2, '示例小学行政群', 'room-other-work', '校办', 'k', 'active') RETURNING id`,
      [world.unitId, other.rows[0].id],
    );
    await db.pool.query('INSERT INTO work_group_member (group_id, member_key, seen_at) VALUES ($1, $2, now())', [wg.rows[0].id, memberKey(db.ledgerSecret, wg.rows[0].id, '赵老师')]);
    chat.rooms_.set(parent.roomId, [...chat.rooms_.get(parent.roomId)!, '赵老师', '赵磊妈妈']);
    const later = new Date(clock.now().getTime() + 3_600_000); // past the minute the school's rows are cached
    const deps = { pool: db.pool, secret: db.ledgerSecret, chat, now: later };
    const p = await readAudience(deps, { id: parent.id, kind: 'parent', roomId: parent.roomId, orgUnitId: world.unitId, botAccountId: world.accounts[0].id, botName: '反诈助手', ownerKey: ownerKey(db.ledgerSecret, parent.id, '王老师') });
    expect(p.staff.map((m) => m.name)).toEqual(['王老师', '黄主任', '李校长', '赵老师']);
    expect(p.families.map((m) => m.name)).toEqual(['张伟妈妈', '李华爸爸', '陈晨奶奶', '赵磊妈妈']);
  });
});
