import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../bot/app.ts';
import { SendError, type GroupMessage } from '../../bot/chat-types.ts';
import { createCommandHandler } from '../../bot/commands/registry.ts';
import { createConfirmations } from '../../bot/ledger/confirm.ts';
import { packMessages } from '../../bot/ledger/group-auth.ts';
import { runReminders } from '../../bot/ledger/reminders.ts';
import { cronFor } from '../../bot/ledger/reminder-job.ts';
import parentJob from '../../schedules/reminders-parent.ts';
import workJob from '../../schedules/reminders-work.ts';
import { DEFAULT_LEDGER_SETTINGS } from '../../bot/ledger/settings.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';
import { captureLog } from '../helpers/log.ts';
import { account, appContext, deliver, group, makeAccount, post, recordingChat, REF_TIME, unit } from '../helpers/ledger-fixture.ts';
import { cronOf, ScheduleSlot } from '../../bot/core/scheduler.ts';
import { jobContext } from '../helpers/job-context.ts';
import { groupInbound } from '../../bot/core/inbound.ts';

let db: TestDb;
let acc: Account;
let rec: ReturnType<typeof recordingChat>;
let ctx: ReturnType<typeof appContext>;
let classGroup: number;
let workGroup: number;
let p1: { id: number; code: string };
const cap = captureLog();
const parents = ['王小明妈妈', '李华爸爸', '张伟妈妈', '赵敏奶奶'];

beforeAll(async () => {
  db = await freshDb();
  const pool = db.pool;
  const city = await unit(pool, '钦州市教育局', 'city', null, null);
  const county = await unit(pool, '灵山县教育局', 'county', city, null);
  const school = await unit(pool, '灵山县示例城东小学', 'school', county, county);
  const accountId = await account(pool, 'relay-1', '反诈助手');
  rec = recordingChat();
  acc = makeAccount(accountId, rec.chat);
  classGroup = await group(pool, db.ledgerSecret, { kind: 'parent', unitId: school, accountId, topic: '城东小学四(1)班家长群', roomId: 'room-41', owner: '刘老师', members: 5 });
  workGroup = await group(pool, db.ledgerSecret, { kind: 'work', unitId: school, accountId, topic: '城东小学教职工群', roomId: 'room-work', owner: '黄主任', members: 3 });
  rec.members.set('room-41', [
    { id: 'bot', name: '反诈助手' },
    { id: 'wx-liu', name: '刘老师' },
    ...parents.map((n, i) => ({ id: `wx-p${i}`, name: n })),
  ]);
  rec.members.set('room-work', [{ id: 'bot', name: '反诈助手' }, { id: 'wx-huang', name: '黄主任' }, { id: 'wx-t1', name: '陈老师' }, { id: 'wx-t2', name: '林老师' }]);
  p1 = await post(pool, { title: '警惕刷单返利诈骗' });
  await deliver(pool, { postId: p1.id, groupId: classGroup, accountId, sentAt: new Date(REF_TIME), members: 5 });
  ctx = appContext(db, cap.log);
  const ingest = createConfirmations(ctx);
  for (const [name, text] of [['王小明妈妈', '王小明妈妈收到'], ['刘老师', '已阅']]) {
    await ingest.group!(groupInbound(ctx, msg(name, text, 'room-41'), acc));
  }
  await ingest.drain();
});
afterAll(async () => db.drop());

let seq = 0;
function msg(senderName: string, text: string, roomId = 'room-41'): GroupMessage {
  return { messageId: `m${++seq}`, roomId, topic: '', senderId: `wx-${senderName}`, senderName, senderIsBot: false, self: false, kind: 'text', text, at: new Date(new Date(REF_TIME).getTime() + 3_600_000) };
}
/** `await says('刘老师', '#统计')` → what the bot answered in the room (through the real router). */
async function says(name: string, text: string, roomId = 'room-41'): Promise<string | undefined> {
  const before = rec.said.length;
  const consumed = await createCommandHandler(ctx).group!(groupInbound(ctx, msg(name, text, roomId), acc));
  expect(consumed).toBe(true);
  return rec.said.slice(before).find((m) => m.room && m.to === roomId)?.text;
}

describe('#统计', () => {
  it("answers the owner with this group's coverage", async () => {
    expect(await says('刘老师', '#统计')).toBe(`本群近7天推送的阅读确认情况(应确认5人):\n${p1.code}《警惕刷单返利诈骗》 已确认 2/5 (40%)`);
  });
  it('refuses anyone else, and unregistered groups, politely', async () => {
    expect(await says('李华爸爸', '#统计')).toBe('只有本群的登记人(刘老师)或本单位联系人可以这样做。');
    expect(await says('刘老师', '#统计', 'room-x')).toBe('本群还没有登记。工作群请发送 #登记 <登记码>,班级家长群请发送 #班级 <班级名>。');
  });
});

describe('#未确认', () => {
  it('sends the owner the names of members who have not confirmed, privately, read live from the room', async () => {
    rec.said.length = 0;
    expect(await says('刘老师', '#未确认')).toBe('未确认名单已私信发给您,请查收。');
    expect(rec.said).toEqual([
      { to: 'wx-刘老师', room: false, text: `【城东小学四(1)班家长群】未确认名单(仅供您本人查看,请勿外传):\n${p1.code}《警惕刷单返利诈骗》未确认 3 人:李华爸爸、张伟妈妈、赵敏奶奶` },
      { to: 'room-41', room: true, text: '未确认名单已私信发给您,请查收。' },
    ]);
  });
  it('says so politely when the private chat fails, and refuses non-owners', async () => {
    rec.failContacts.add('wx-刘老师');
    try {
      expect(await says('刘老师', '#未确认')).toBe('私信发送失败,请先加机器人为好友后再试。');
    } finally {
      rec.failContacts.delete('wx-刘老师');
    }
    expect(await says('张伟妈妈', '#未确认')).toBe('只有本群的登记人(刘老师)或本单位联系人可以这样做。');
  });
});

describe('#提醒 开|关', () => {
  it('toggles reminders for the group and audits it; bad arguments get the usage', async () => {
    expect(await says('刘老师', '#提醒 关')).toBe('已关闭本群的确认提醒,发送"#提醒 开"可重新开启。');
    expect((await db.prisma.chatGroup.findUniqueOrThrow({ where: { id: classGroup } })).remindersOn).toBe(false);
    expect(await says('刘老师', '#提醒 明天')).toContain('#提醒 开|关');
    expect(await says('李华爸爸', '#提醒 开')).toBe('只有本群的登记人(刘老师)或本单位联系人可以这样做。');
    ctx.clock.set('2026-03-03T19:30:00+08:00');
    expect((await runReminders(ctx, [acc], { kind: 'parent', gapMs: 0 })).groups).toEqual([]);
    expect(await says('刘老师', '#提醒 开')).toBe('已开启本群的确认提醒。');
    expect(await db.prisma.auditEvent.count({ where: { groupId: classGroup, action: { startsWith: 'group.reminders_' } } })).toBe(2);
  });

  it('#帮助 lists the ledger commands for the owner', async () => {
    expect(await says('刘老师', '#帮助')).toContain('#统计');
  });
});

describe('reminders', () => {
  it('fire at 19:30 for parent groups and 16:00 on workdays for work groups by default', () => {
    expect(cronFor('parent', DEFAULT_LEDGER_SETTINGS)).toBe('30 19 * * *');
    expect(cronFor('work', DEFAULT_LEDGER_SETTINGS)).toBe('0 16 * * *'); // workdays decided by the official calendar
    const settings = jobContext(ctx).settings;
    expect([parentJob.id, cronOf(parentJob, settings), workJob.id, cronOf(workJob, settings)]).toEqual(['reminders-parent', '30 19 * * *', 'reminders-work', '0 16 * * *']);
    // The time of day follows the settings the job context carries (REMIND_PARENT_AT / REMIND_WORK_AT).
    const later = { ...settings, ledger: { ...DEFAULT_LEDGER_SETTINGS, remindParentAt: '20:05', remindWorkAt: '09:00' } };
    expect([cronOf(parentJob, later), cronOf(workJob, later)]).toEqual(['5 20 * * *', '0 9 * * *']);
  });

  it('remind the next evening, name non-confirmers, tell the owner, once a day, escalate on the second round', async () => {
    rec.said.length = 0;
    ctx.clock.set('2026-03-02T19:30:00+08:00'); // the day of delivery: not yet
    expect((await runReminders(ctx, [acc], { kind: 'parent', gapMs: 0 })).groups).toEqual([]);

    ctx.clock.set('2026-03-03T19:30:00+08:00');
    const slot = new ScheduleSlot(ctx.clock.now(), '2026-03-03T19:30', false);
    await parentJob.run(jobContext(ctx), slot); // a process driving no account: nothing sent, a warning says why
    expect(rec.said).toEqual([]);
    expect(cap.messages()).toContain('this process drives no WeChat account; nothing to remind');
    const withAccount = jobContext(ctx, { accounts: [acc] });
    expect(parentJob.perProcess).toBe(true); // every process reminds through its own accounts
    await parentJob.run(withAccount, slot);
    const first = (await db.pool.query('SELECT count(*)::int AS n FROM reminder')).rows[0];
    expect(first.n).toBe(1);
    const fired = await db.pool.query('SELECT job, slot FROM cron_fire ORDER BY job DESC');
    expect(fired.rows).toEqual([
      { job: 'reminders-parent', slot: `2026-03-03T19:30:${acc.id}` },
      // the teacher's one private list of the evening (keyed by a hash of the name, not the name)
      { job: 'reminder-owner-list', slot: expect.stringMatching(new RegExp(`^2026-03-03:${acc.id}:[0-9a-f]{32}$`)) },
    ]);
    const again = await runReminders(ctx, [acc], { kind: 'parent', gapMs: 0 });
    expect(again.groups).toEqual([]); // one a day
    await db.pool.query('DELETE FROM reminder');
    await parentJob.run(withAccount, slot); // the account's slot was claimed: nothing again
    expect((await db.pool.query('SELECT count(*)::int AS n FROM reminder')).rows[0].n).toBe(0);
    await db.pool.query("DELETE FROM reminder; DELETE FROM cron_fire WHERE job = 'reminder-owner-list'");
    rec.said.length = 0;
    const firstRun = await runReminders(ctx, [acc], { kind: 'parent', gapMs: 0 });
    expect(firstRun.groups).toEqual([{ groupId: classGroup, topic: '城东小学四(1)班家长群', posts: [p1.code], names: 3, round: 1, owner: true }]);
    expect(rec.said).toEqual([
      { to: 'room-41', room: true, text: `【温馨提醒】以下推送还有家人/老师未回复确认,请看过后回复"已阅"(或"编号 已阅"):\n${p1.code}《警惕刷单返利诈骗》未确认 3 人:李华爸爸、张伟妈妈、赵敏奶奶` },
      { to: 'wx-liu', room: false, text: `今晚已在您的群里发了确认提醒。各群未确认名单:\n【城东小学四(1)班家长群】${p1.code}《警惕刷单返利诈骗》还有 3 人未确认:李华爸爸、张伟妈妈、赵敏奶奶` },
    ]);
    expect((await runReminders(ctx, [acc], { kind: 'parent', gapMs: 0 })).groups).toEqual([]); // one a day
    expect(await db.prisma.reminder.findMany({ select: { day: true, round: true, pending: true } })).toEqual([{ day: '2026-03-03', round: 1, pending: 3 }]);

    // 李华爸爸 confirms; the second round names the other two and lists the group for the school.
    const ingest = createConfirmations(ctx);
    await ingest.group!(groupInbound(ctx, { ...msg('李华爸爸', '已阅'), at: new Date('2026-03-03T20:00:00+08:00') }, acc));
    await ingest.drain();
    rec.said.length = 0;
    ctx.clock.set('2026-03-04T19:30:00+08:00');
    const second = await runReminders(ctx, [acc], { kind: 'parent', gapMs: 0 });
    expect(second.groups.map((g) => [g.round, g.names])).toEqual([[2, 2]]);
    expect(second.summaries).toEqual([{ orgUnitId: expect.any(Number), groups: 1, sentTo: 1 }]);
    expect(rec.said.map((s) => s.to)).toEqual(['room-41', 'wx-liu', 'room-work']);
    expect(rec.said[0].text).toContain('未确认 2 人:张伟妈妈、赵敏奶奶');
    expect(rec.said[2].text).toBe(`【灵山县示例城东小学】以下群的推送确认率仍未达标(目标100%),请班主任跟进:\n城东小学四(1)班家长群:${p1.code}《警惕刷单返利诈骗》 3/5 (60%)`);
    expect(rec.said[2].text).not.toContain('张伟');

    ctx.clock.set('2026-03-05T19:30:00+08:00');
    expect((await runReminders(ctx, [acc], { kind: 'parent', gapMs: 0 })).groups).toEqual([]); // at most 2 rounds
  });

  it('a dry run claims and sends nothing', async () => {
    await db.pool.query('DELETE FROM reminder');
    rec.said.length = 0;
    ctx.clock.set('2026-03-06T19:30:00+08:00');
    const r = await runReminders(ctx, [acc], { kind: 'parent', gapMs: 0, dryRun: true });
    expect(r.groups.length).toBe(1);
    expect(rec.said).toEqual([]);
    expect(await db.prisma.reminder.count()).toBe(0);
  });

  it('a reminder the account may not send (daily cap reached, paused) uses up no round: the next run sends it', async () => {
    await db.pool.query("DELETE FROM reminder; DELETE FROM cron_fire WHERE job = 'reminder-owner-list'");
    rec.said.length = 0;
    ctx.clock.set('2026-03-06T19:30:00+08:00');
    const say = acc.chat.sayToRoom;
    acc.chat.sayToRoom = async () => {
      throw new SendError('not sent: the daily cap of 3 messages is reached', { sent: false });
    };
    try {
      const refused = await runReminders(ctx, [acc], { kind: 'parent', gapMs: 0 });
      expect(refused.groups).toEqual([]);
      expect(refused.deferred).toBe(1);
      expect(refused.failed).toBe(0);
    } finally {
      acc.chat.sayToRoom = say;
    }
    expect(rec.said).toEqual([]); // no private list either: the group was not reminded
    expect(await db.prisma.reminder.count()).toBe(0);
    expect(cap.messages().some((m) => /reminded next run/.test(m))).toBe(true);
    // Later that evening (or the next day) the same group is reminded, as round 1.
    const later = await runReminders(ctx, [acc], { kind: 'parent', gapMs: 0 });
    expect(later.groups.map((g) => [g.groupId, g.round])).toEqual([[classGroup, 1]]);
    expect(rec.said.map((s) => s.to)).toEqual(['room-41', 'wx-liu']);
  });

  it('split long name lists into messages that fit', () => {
    const names = Array.from({ length: 300 }, (_, i) => `家长${String(i).padStart(3, '0')}的妈妈`);
    const msgs = packMessages('【提醒】', [{ prefix: 'F1《标题》未确认 300 人:', names }], { max: 500, more: '(接上条)' });
    expect(msgs.length).toBeGreaterThan(5);
    for (const m of msgs) expect(m.length).toBeLessThanOrEqual(500);
    const seen = msgs.join('、').replace(/\(接上条\)/g, '').match(/家长\d{3}的妈妈/g);
    expect(seen).toEqual(names);
  });
});
