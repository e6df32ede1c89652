// The ledger on real Wechaty + wechaty-puppet-mock: registration by chat, a post delivered to the
// class group, parents confirming (or not), #统计 / #未确认 / #提醒, and the reminder flow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConfirmations, type Confirmations } from '../../bot/ledger/confirm.ts';
import { memberKey } from '../../bot/ledger/member-key.ts';
import { runReminders } from '../../bot/ledger/reminders.ts';
import { chatWorld, type ChatWorld } from '../helpers/chat-fixture.ts';
import { freshDb, importOrgCodes, type TestDb } from '../helpers/db.ts';

const ORG = `county,name,kind,parent
,钦州市教育局,city,
灵山县,灵山县教育局,county,钦州市教育局
灵山县,城东小学,school,灵山县教育局
`;

let db: TestDb;
let w: ChatWorld;
let ledger: Confirmations;
let work: ReturnType<ChatWorld['group']>;
let cls: ReturnType<ChatWorld['group']>;
let groupId: number;
const posts: { id: number; code: string }[] = [];
const parents = ['王小明妈妈', '李华爸爸', '张伟妈妈'];

async function deliverPost(title: string, confirmWords: string[] = [], to = () => groupId, members = 4): Promise<{ id: number; code: string }> {
  const { rows: [src] } = await db.pool.query(`INSERT INTO source (kind, scope, name, key) VALUES ('official', 'national', '国家反诈中心', 'official:国家反诈中心') ON CONFLICT (key) DO UPDATE SET name = EXCLUDED.name RETURNING id`);
  const { rows: [p] } = await db.pool.query(
    `INSERT INTO post (source_id, kind, title, canonical_key, confirm_words) VALUES ($1, $2, $3, $4, $5) RETURNING id, code`,
    [src.id, confirmWords.length ? 'attestation' : 'article', title, `e2e:${title}`, confirmWords],
  );
  await db.pool.query(
    `INSERT INTO delivery (post_id, group_id, bot_account_id, status, due_at, sent_at, members_at_send) VALUES ($1, $2, $3, 'sent', $4, $4, $5)`,
    [p.id, to(), w.account.id, w.clock.now(), members],
  );
  return p;
}
async function confirmedCount(postId: number, gid = groupId): Promise<number> {
  const { rows } = await db.pool.query('SELECT confirmed FROM delivery WHERE post_id = $1 AND group_id = $2', [postId, gid]);
  return rows[0].confirmed;
}
/** A group message through the whole pipeline, then the confirmation buffer written. */
async function says(name: string, room: typeof cls, text: string): Promise<string> {
  const reply = await w.person(name).in(room).says(text);
  await ledger.drain();
  return reply;
}

beforeAll(async () => {
  db = await freshDb();
  const code = (await importOrgCodes(db, ORG))['城东小学'];
  let confirmations: Confirmations | undefined;
  w = await chatWorld({ db, handlers: [{ name: 'ledger', group: (ic) => confirmations!.group!(ic) }] });
  ledger = confirmations = createConfirmations(w.ctx, { flushMs: 60_000 });
  work = w.group('城东小学教职工群', ['刘老师', '黄老师']);
  expect(await w.person('刘老师').in(work).says(`#登记 ${code}`)).toContain('登记成功');
  cls = w.group('城东小学四(1)班家长群', ['刘老师', ...parents]);
  expect(await w.person('刘老师').in(cls).says('#班级 四(1)班')).toContain('登记成功');
  groupId = (await db.prisma.chatGroup.findFirstOrThrow({ where: { kind: 'parent' } })).id;
  // What the login records: the bot's own display name, left out of member lists.
  await db.pool.query('UPDATE bot_account SET login_name = $2 WHERE id = $1', [w.account.id, w.bot.payload!.name]);
  posts.push(await deliverPost('警惕刷单返利诈骗'));
});
afterAll(async () => {
  await ledger.stop();
  await w.stop();
  await db.drop();
});

describe('read confirmations through the mock puppet', () => {
  it('a keyword reply confirms; negations, questions and the bot itself do not', async () => {
    await says('王小明妈妈', cls, '王小明妈妈收到,谢谢老师🙏');
    await says('李华爸爸', cls, '没收到');
    await says('张伟妈妈', cls, '大家都收到了吗?');
    await w.bot.say('已阅').to(cls);
    await w.settle();
    await ledger.drain();
    expect(await confirmedCount(posts[0].id)).toBe(1);
    const { rows } = await db.pool.query('SELECT member_key FROM confirmation');
    expect(rows).toEqual([{ member_key: memberKey(db.ledgerSecret, groupId, '王小明妈妈') }]);
  });

  it('a code confirms that post only, once per member', async () => {
    const second = await deliverPost('冒充客服退款诈骗');
    posts.push(second);
    await says('李华爸爸', cls, `${second.code} 已阅`);
    await says('李华爸爸', cls, `${second.code} 已阅`);
    expect(await confirmedCount(posts[0].id)).toBe(1);
    expect(await confirmedCount(second.id)).toBe(1);
    await says('王小明妈妈', cls, '已阅');
    expect(await confirmedCount(second.id)).toBe(2);
    expect(await confirmedCount(posts[0].id)).toBe(1); // already confirmed: not twice
  });

  it('an attestation in the work group confirms only with 已安装', async () => {
    const workId = (await db.prisma.chatGroup.findFirstOrThrow({ where: { kind: 'work' } })).id;
    const app = await deliverPost('安装国家反诈中心APP、关注视频号', ['已安装'], () => workId, 2);
    await says('黄老师', work, '收到');
    expect(await confirmedCount(app.id, workId)).toBe(0);
    await says('黄老师', work, '已安装');
    expect(await confirmedCount(app.id, workId)).toBe(1);
  });

  it('#统计 answers the teacher; #未确认 goes to the teacher privately with names read from the room', async () => {
    expect(await w.person('张伟妈妈').in(cls).says('#统计')).toBe('只有本群的登记人(刘老师)或本单位联系人可以这样做。');
    const stats = await w.person('刘老师').in(cls).says('#统计');
    expect(stats).toContain(`${posts[1].code}《冒充客服退款诈骗》 已确认 2/4 (50%)`);
    expect(stats).toContain(`${posts[0].code}《警惕刷单返利诈骗》 已确认 1/4 (25%)`);
    expect(await w.person('刘老师').in(cls).says('#未确认')).toBe('未确认名单已私信发给您,请查收。');
    const teacher = w.person('刘老师').contact;
    const privateList = w.sent(teacher.id).join('\n');
    // The homeroom teacher is not a family: never listed as unconfirmed (issue 11).
    expect(privateList).toContain(`${posts[0].code}《警惕刷单返利诈骗》未确认 2 人:李华爸爸、张伟妈妈`);
    expect(privateList).toContain(`${posts[1].code}《冒充客服退款诈骗》未确认 1 人:张伟妈妈`);
    expect(w.sent(cls.id).join('\n')).not.toContain('张伟妈妈'); // names never in the group reply
  });

  it('the next evening the group is reminded with the names, the teacher privately; #提醒 关 stops it', async () => {
    await says('刘老师', cls, '已阅');
    w.clock.set('2026-11-24T19:30:00+08:00');
    const before = w.sent(cls.id).length;
    const r = await runReminders(w.ctx, [w.account], { kind: 'parent', gapMs: 0 });
    expect(r.groups.map((g) => [g.posts.length, g.names])).toEqual([[2, 3]]);
    const reminder = w.sent(cls.id).slice(before).join('\n');
    expect(reminder).toContain(`${posts[0].code}《警惕刷单返利诈骗》未确认 2 人:李华爸爸、张伟妈妈`);
    expect(reminder).toContain(`${posts[1].code}《冒充客服退款诈骗》未确认 1 人:张伟妈妈`);
    expect(w.sent(w.person('刘老师').contact.id).at(-1)).toContain('群里已发提醒');
    expect((await runReminders(w.ctx, [w.account], { kind: 'parent', gapMs: 0 })).groups).toEqual([]); // once a day

    expect(await w.person('刘老师').in(cls).says('#提醒 关')).toContain('已关闭本群的确认提醒');
    w.clock.set('2026-11-25T19:30:00+08:00');
    expect((await runReminders(w.ctx, [w.account], { kind: 'parent', gapMs: 0 })).groups).toEqual([]);
  });
});
