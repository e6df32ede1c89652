import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatWorld, type ChatWorld } from '../helpers/chat-fixture.ts';
import { freshDb, importOrgCodes, type TestDb } from '../helpers/db.ts';

const ORG = `county,name,kind,parent
,钦州市教育局,city,
钦南区,钦南区教育局,county,钦州市教育局
钦南区,城东小学,school,钦南区教育局
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

const A1 = { title: '警惕!新型刷单诈骗', url: 'https://mp.weixin.qq.com/s?__biz=MzI1NjA0&mid=2247501&idx=1&sn=abc&chksm=x1#rd', digest: '刷单就是诈骗' };
const A2 = { title: '冒充客服退款诈骗', url: 'https://mp.weixin.qq.com/s?__biz=MzI1NjA0&mid=2247501&idx=2&sn=def', digest: '退款要走官方渠道' };

describe('sources of posts', () => {
  it('an official-account push with several articles becomes one post per article, with decoded URLs', async () => {
    await w.official('国家反诈中心').pushes([A1, A2]);
    const posts = await db.prisma.post.findMany({ orderBy: { id: 'asc' }, include: { origins: true } });
    expect(posts.map((p) => [p.kind, p.title, p.canonicalKey])).toEqual([
      ['article', '警惕!新型刷单诈骗', 'wx:MzI1NjA0/2247501/1'],
      ['article', '冒充客服退款诈骗', 'wx:MzI1NjA0/2247501/2'],
    ]);
    expect(posts[0].url).toBe(A1.url); // &amp; decoded
    expect(posts[0].summary).toBe('刷单就是诈骗');
    expect(w.posts.map((p) => p.code)).toEqual(posts.map((p) => p.code)); // the hook saw each new post once
  });

  it('the same article from the city channel, or again, is the same post with one more origin', async () => {
    await w.official('钦州反诈').pushes([{ ...A1, url: A1.url.replace('&chksm=x1', '&chksm=other&scene=126') }]);
    await w.official('国家反诈中心').pushes([A1]);
    expect(await db.prisma.post.count()).toBe(2);
    const origins = await db.prisma.postOrigin.findMany({ where: { post: { canonicalKey: 'wx:MzI1NjA0/2247501/1' } }, include: { source: true } });
    expect(origins.map((o) => o.source.key).sort()).toEqual(['official:国家反诈中心', 'official:国家反诈中心', 'official:钦州反诈'].sort());
    expect(w.posts).toHaveLength(2);
  });

  it('a 视频号 share is read from the raw payload', async () => {
    await w.official('国家反诈中心').sharesChannel('export/UzFfAgtgekIEAQAAAAAA', '冒充公检法诈骗现场还原');
    await w.official('国家反诈中心').sharesChannel('export/UzFfAgtgekIEAQAAAAAA', '冒充公检法诈骗现场还原');
    const p = await db.prisma.post.findFirstOrThrow({ where: { kind: 'channel_video' } });
    expect(p).toMatchObject({ title: '冒充公检法诈骗现场还原', canonicalKey: 'channel:export/UzFfAgtgekIEAQAAAAAA' });
    expect(await db.prisma.post.count({ where: { kind: 'channel_video' } })).toBe(1);
  });

  it('text, image and mini-program pushes become posts with a text rendering', async () => {
    const o = w.official('钦州反诈');
    await o.says('【紧急提醒】近期出现冒充教育局发放补贴的诈骗短信,请勿点击链接。');
    await w.raw(o.contact.id, { talkerId: o.contact.id, listenerId: w.bot.id, type: 6, text: 'poster.jpg' });
    await w.raw(o.contact.id, {
      talkerId: o.contact.id, listenerId: w.bot.id, type: 9,
      text: '<msg><appmsg><title>国家反诈中心APP下载</title><type>33</type><sourcedisplayname>国家反诈中心</sourcedisplayname><weappinfo><pagepath>pages/index.html</pagepath></weappinfo></appmsg></msg>',
    });
    const byKind = async (kind: 'text' | 'image' | 'mini_program') => db.prisma.post.findFirstOrThrow({ where: { kind }, include: { source: true } });
    expect(await byKind('text')).toMatchObject({ title: '【紧急提醒】近期出现冒充教育局发放补贴的诈骗短信,请勿点击链接。', source: { key: 'official:钦州反诈', scope: 'city' } });
    expect(await byKind('image')).toMatchObject({ title: '钦州反诈 发布的图片' });
    expect(await byKind('mini_program')).toMatchObject({ title: '国家反诈中心APP下载', summary: '小程序:国家反诈中心' });
  });

  it('stale messages (history synced at login) are bailed out with a debug log', async () => {
    const before = await db.prisma.post.count();
    const o = w.official('国家反诈中心');
    await w.raw(o.contact.id, { talkerId: o.contact.id, listenerId: w.bot.id, type: 7, text: '昨天的旧消息 https://old.example/a', timestamp: Date.now() - 3_600_000 });
    expect(await db.prisma.post.count()).toBe(before);
    expect(w.log.messages()).toContain('bail out: stale message from before the start');
  });

  it('pushes from accounts that are not configured channels are ignored', async () => {
    const before = await db.prisma.post.count();
    await w.official('某购物商城').pushes([{ title: '双十一大促', url: 'https://shop.example/x' }]);
    await w.official('国家反诈中心').says('');
    expect(await db.prisma.post.count()).toBe(before);
    expect(w.log.messages()).toContain('official-account message from an account that is not a configured channel; ignored');
  });

  it('an admin forward is shown and becomes a post only after #发布; non-admins are refused', async () => {
    const bureau = w.group('市教育局反诈工作群', ['陈科长']);
    expect(await w.person('陈科长').in(bureau).says(`#登记 ${codes['钦州市教育局']}`)).toContain('登记成功');
    const before = await db.prisma.post.count();
    const preview = await w.person('陈科长').forwards([{ title: '钦州警方提醒:谨防"杀猪盘"', url: 'https://www.qzga.gov.cn/news/1234.html?utm_source=wx', digest: '网恋交友要警惕' }]);
    expect(preview).toContain('将按以下内容转发到各群');
    expect(preview).toContain('钦州警方提醒');
    expect(await db.prisma.post.count()).toBe(before);
    const published = await w.person('陈科长').says('#发布 紧急');
    expect(published).toMatch(/^已发布为 F\d+/);
    expect(published).toContain('紧急');
    const p = await db.prisma.post.findFirstOrThrow({ where: { canonicalKey: 'url:qzga.gov.cn/news/1234.html' } });
    expect(p).toMatchObject({ urgent: true, createdBy: '陈科长' });
    expect(await w.person('陈科长').says('#发布')).toContain('没有待发布的内容');
    // A stranger's forward is not a draft, and #发布 is refused.
    expect(await w.person('陌生人').forwards([{ title: 'x', url: 'https://evil.example/x' }])).toBe('');
    expect(await w.person('陌生人').says('#发布')).toContain('只有教育局管理员可以发布宣传');
    expect(await w.person('陌生人').says('#帮助')).toContain('没有可用的命令');
    expect(await db.prisma.post.count({ where: { url: 'https://evil.example/x' } })).toBe(0);
  });

  it('a bureau source group captures links shared by bureau members, once', async () => {
    const src = w.group('反诈宣传素材群', ['陈科长', '路人乙']);
    expect(await w.person('路人乙').in(src).says('#来源群')).toContain('只有教育局工作群中的成员');
    expect(await w.person('陈科长').in(src).says('#来源群')).toContain('宣传来源群');
    const before = await db.prisma.post.count();
    await w.person('陈科长').sharesIn(src, [A2]); // already captured from the national channel
    await w.person('陈科长').in(src).says('今天的素材 https://www.qzedu.cn/fz/2026/11/notice.html');
    await w.person('陈科长').in(src).says('大家辛苦了');
    await w.person('路人乙').in(src).says('看看这个 https://spam.example/');
    expect(await db.prisma.post.count()).toBe(before + 1);
    expect(await db.prisma.post.count({ where: { canonicalKey: 'url:qzedu.cn/fz/2026/11/notice.html' } })).toBe(1);
    const a2 = await db.prisma.post.findFirstOrThrow({ where: { canonicalKey: 'wx:MzI1NjA0/2247501/2' }, include: { origins: { include: { source: true } } } });
    expect(a2.origins.map((o) => o.source.kind).sort()).toEqual(['official', 'source_group']);
  });
});
