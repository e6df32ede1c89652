// The relay on real Wechaty + wechaty-puppet-mock through the chat adapter: registered groups get
// the captured post in their windows as text, and the bot's own message reconciles an unknown send.
import { types } from 'wechaty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planPost } from '../../bot/relay/plan.ts';
import { relayReconciler } from '../../bot/relay/reconcile.ts';
import { localMinute } from '../../bot/core/time.ts';
import { startWorker } from '../../bot/relay/worker.ts';
import { chatWorld, REFERENCE_TIME, type ChatWorld } from '../helpers/chat-fixture.ts';
import { freshDb, importOrgCodes, type TestDb } from '../helpers/db.ts';
import { testContext, testSettings } from '../helpers/relay-world.ts';
import { fixedClock } from '../../bot/clock.ts';

const ORG = `county,name,kind,parent
,钦州市教育局,city,
钦南区,钦南区教育局,county,钦州市教育局
钦南区,城东小学,school,钦南区教育局
`;

let db: TestDb;
let w: ChatWorld;
let code: string;
beforeAll(async () => {
  db = await freshDb();
  code = (await importOrgCodes(db, ORG))['城东小学'];
  w = await chatWorld({ db, handlers: [relayReconciler(testContext(db, fixedClock(REFERENCE_TIME)))] });
});
afterAll(async () => {
  await w.stop();
  await db.drop();
});

describe('relay on the mock puppet', () => {
  it('relays a captured post to the registered groups in their windows and reconciles its own echo', async () => {
    const work = w.group('城东小学教师工作群', ['张老师', '李老师']);
    expect(await w.person('张老师').in(work).says(`#登记 ${code}`)).toContain('登记成功');
    const cls = w.group('一年级1班家长群', ['李老师', '王妈妈', '赵爸爸']);
    expect(await w.person('李老师').in(cls).says('#班级 一年级1班')).toContain('登记成功');
    expect(await w.person('李老师').in(cls).says('#自动转发 开')).toContain('已开启自动转发');

    await w.official('国家反诈中心').pushes([{ title: '警惕"刷单返利"诈骗', url: 'https://mp.weixin.qq.com/s?__biz=a&amp;mid=1', digest: '刷单就是诈骗' }]);
    expect(w.posts).toHaveLength(1);
    const post = w.posts[0];
    // Monday 09:00: the work group's window is open, the parent group's opens at 12:00.
    expect(await planPost(w.ctx, post.id, testSettings())).toEqual({ pending: 2, skipped: 0, existing: 0 });
    await startWorker(w.ctx, w.account, { settings: testSettings(), stopWhenIdle: true }).done;

    const text = `【反诈宣传 ${post.code}】国家反诈中心\n警惕"刷单返利"诈骗`;
    // (the mock records other messages too; only the post's text matters here)
    const relayed = (roomId: string) => w.sent(roomId).filter((t) => t.includes(post.code));
    expect(relayed(work.id)).toHaveLength(1);
    expect(relayed(work.id)[0]).toContain(text);
    expect(relayed(cls.id)).toHaveLength(1);
    expect(relayed(cls.id)[0]).toContain(`请阅读后在群里回复"已阅"或编号"${post.code}"`);
    const rows = await db.pool.query(
      'SELECT g.kind, d.status, d.sent_at, d.members_at_send, d.rendering FROM delivery d JOIN chat_group g ON g.id = d.group_id ORDER BY g.kind',
    );
    expect(rows.rows.map((r) => [r.kind, r.status, localMinute(r.sent_at, 'Asia/Shanghai').slice(11), r.members_at_send, r.rendering])).toEqual([
      ['work', 'sent', '09:00', 2, 'text'],
      ['parent', 'sent', '12:00', 2, 'text'], // families only: 李老师 (the class teacher, staff) is not counted
    ]);

    // Pretend the parent-group send had timed out (unknown); its echo in the room reconciles it.
    await db.pool.query("UPDATE delivery SET status = 'unknown', error = 'may have been sent, not resent automatically: timeout' WHERE group_id = (SELECT id FROM chat_group WHERE kind = 'parent')");
    await w.raw(cls.id, { talkerId: w.bot.id, roomId: cls.id, type: types.Message.Text, text: relayed(cls.id)[0] });
    const after = await db.pool.query("SELECT d.status, d.error FROM delivery d JOIN chat_group g ON g.id = d.group_id WHERE g.kind = 'parent'");
    expect(after.rows[0].status).toBe('sent');
    expect(after.rows[0].error).toMatch(/reconciled/);
  });
});
