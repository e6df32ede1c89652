// The same adapter on the REAL wechaty-puppet-wechat4u, offline: a fake of the web-WeChat HTTP
// endpoints answers wechat4u's axios, and raw messages are fed the way WeChat sends them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WechatyBuilder, type Wechaty } from 'wechaty';
import { PuppetWechat4u } from 'wechaty-puppet-wechat4u';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipeline, type Account, type AppContext, type RoomEvent } from '../../bot/app.ts';
import type { GroupMessage, PrivateMessage } from '../../bot/chat-types.ts';
import { SendError } from '../../bot/chat-types.ts';
import { fixedClock } from '../../bot/clock.ts';
import { createCommandHandler } from '../../bot/commands/registry.ts';
import { loadConfig } from '../../bot/config.ts';
import { ensureAccount } from '../../bot/registry/account.ts';
import { createRegistryHandler } from '../../bot/registry/groups.ts';
import { importOrg, parseOrgCsv } from '../../bot/registry/org-import.ts';
import { createSourceCapture } from '../../bot/sources/inbound.ts';
import { attachAdapter, createChatPort, type WechatAdapter } from '../../bot/wechat/adapter.ts';
import { installFatalHandlers } from '../../bot/wechat/fatal.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';
import { captureLog } from '../helpers/log.ts';
import { BOT, installWebWechatFake, rawArticlePush, rawChannelShare, type RawContact } from '../helpers/wechat4u-fake.ts';
import { contentSettings } from '../../bot/core/settings.ts';

const ZHANG: RawContact = { UserName: '@zhang0000000000000000000000000001', NickName: '张老师', ContactFlag: 3 };
const LI: RawContact = { UserName: '@li000000000000000000000000000000001', NickName: '李老师', ContactFlag: 3 };
const NATIONAL: RawContact = { UserName: '@gh0000000000000000000000000000000001', NickName: '国家反诈中心', VerifyFlag: 24, ContactFlag: 3 };
const member = (c: RawContact): RawContact => ({ UserName: c.UserName, NickName: c.NickName, DisplayName: '' });
const WORK: RawContact = {
  UserName: '@@work00000000000000000000000000000000001', NickName: '城东小学教师工作群', MemberCount: 3,
  MemberList: [member(BOT), member(ZHANG), member(LI)], ContactFlag: 3,
};

let db: TestDb;
let code: string;
let wechaty: Wechaty;
let adapter: WechatAdapter;
let fake: ReturnType<typeof installWebWechatFake>;
let account: Account;
let dir: string;
const seen: { group: GroupMessage[]; private: PrivateMessage[]; room: RoomEvent[] } = { group: [], private: [], room: [] };

async function until(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

beforeAll(async () => {
  db = await freshDb();
  const r = await importOrg(db.prisma, parseOrgCsv('county,name,kind,parent\n,钦州市教育局,city,\n钦南区,钦南区教育局,county,钦州市教育局\n钦南区,城东小学,school,钦南区教育局\n'));
  code = r.created.find((c) => c.name === '城东小学')!.code;
  fake = installWebWechatFake([ZHANG, LI, NATIONAL, WORK]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'w4u-'));
  const { log } = captureLog('debug');
  const ctx: AppContext = { db, clock: fixedClock('2026-11-23T09:00:00+08:00'), log, config: loadConfig({}), settings: contentSettings(), ledgerSecret: db.ledgerSecret };
  const puppet = new PuppetWechat4u();
  wechaty = WechatyBuilder.build({ name: path.join(dir, 'w4u-test'), puppet });
  const row = await ensureAccount(db.prisma, 'w4u-test', 'wechaty-puppet-wechat4u');
  account = { id: row.id, name: 'w4u-test', chat: createChatPort(wechaty, 'w4u-test', 'wechaty-puppet-wechat4u') };
  const sources = { channels: [{ name: '国家反诈中心', scope: 'national' as const }], feeds: [], admins: [], pollMinutes: 30 };
  const pipeline = createPipeline([
    createCommandHandler(ctx, { sources: { config: sources } }),
    createSourceCapture(ctx, { config: sources }),
    createRegistryHandler(ctx),
    {
      name: 'recorder',
      group: async ({ msg }) => {
        seen.group.push(msg);
        return true;
      },
      private: async ({ msg }) => {
        seen.private.push(msg);
        return true;
      },
      room: async (e) => void seen.room.push(e),
    },
  ], ctx);
  adapter = attachAdapter({ wechaty, account, pipeline, clock: ctx.clock, log, staleBefore: new Date(Date.now() - 60_000) });
  const loggedIn = new Promise((resolve) => wechaty.once('login', resolve));
  await wechaty.start();
  await loggedIn;
  installFatalHandlers(log, async () => undefined);
  // wechat4u emits `ready` only after the contact list is stable for 20 s: do it as soon as the
  // contact list (fetched after login) has the room.
  await until(async () => (await wechaty.puppet.roomList()).length > 0, 'the contact list');
  wechaty.puppet.emit('ready', { data: 'test' });
  await until(() => seen.room.some((e) => e.type === 'logged_in'), 'ready');
}, 60_000);

afterAll(async () => {
  adapter?.detach();
  // Not wechaty.stop() alone: it would log out on the (fake) server — which is what we check.
  await wechaty?.stop().catch(() => undefined);
  fake?.restore();
  await db?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the adapter on the real wechaty-puppet-wechat4u (offline)', () => {
  it('discovers rooms after ready', () => {
    const ev = seen.room.find((e) => e.type === 'logged_in');
    expect(ev).toMatchObject({ rooms: [{ roomId: WORK.UserName, topic: '城东小学教师工作群', memberCount: 3 }] });
  });

  it('captures every article of an official-account push, with &amp; decoded', async () => {
    fake.push({
      FromUserName: NATIONAL.UserName, MsgType: 49, AppMsgType: 5, FileName: '警惕!新型刷单诈骗',
      Url: 'https://mp.weixin.qq.com/s?__biz=MzI1&amp;mid=22475&amp;idx=1&amp;sn=ab',
      Content: rawArticlePush('国家反诈中心', [
        { title: '警惕!新型刷单诈骗', url: 'https://mp.weixin.qq.com/s?__biz=MzI1&mid=22475&idx=1&sn=ab', digest: '刷单就是诈骗' },
        { title: '冒充客服退款诈骗', url: 'https://mp.weixin.qq.com/s?__biz=MzI1&mid=22475&idx=2&sn=cd' },
        { title: '境外来电要警惕', url: 'https://mp.weixin.qq.com/s?__biz=MzI1&mid=22475&idx=3&sn=ef' },
      ]),
    });
    await until(async () => (await db.prisma.post.count()) === 3, 'three posts');
    const posts = await db.prisma.post.findMany({ orderBy: { id: 'asc' } });
    expect(posts.map((p) => p.canonicalKey)).toEqual(['wx:MzI1/22475/1', 'wx:MzI1/22475/2', 'wx:MzI1/22475/3']);
    expect(posts[0]).toMatchObject({ url: 'https://mp.weixin.qq.com/s?__biz=MzI1&mid=22475&idx=1&sn=ab', summary: '刷单就是诈骗' });
  });

  it('reads a 视频号 share from its raw payload', async () => {
    fake.push({ FromUserName: NATIONAL.UserName, MsgType: 49, AppMsgType: 51, FileName: '当前微信版本不支持展示该内容', Content: rawChannelShare('国家反诈中心', '14389276213', '冒充公检法诈骗现场还原') });
    await until(async () => (await db.prisma.post.count({ where: { kind: 'channel_video' } })) === 1, 'the channel post');
    expect(await db.prisma.post.findFirstOrThrow({ where: { kind: 'channel_video' } })).toMatchObject({
      title: '冒充公检法诈骗现场还原', canonicalKey: 'channel:14389276213',
    });
  });

  it('registers a group from a room command (multi-line text arrives cut at ":\\n") and really sends the reply', async () => {
    fake.roomText(WORK.UserName, ZHANG.UserName, `#登记 ${code}\n第二行:\n被截掉`);
    await until(() => fake.sends.some((s) => s.to === WORK.UserName), 'the reply');
    const reply = fake.sends.find((s) => s.to === WORK.UserName)!;
    expect(reply).toMatchObject({ endpoint: 'webwxsendmsg', type: 1 });
    expect(reply.content).toContain('登记成功:本群已登记为「城东小学」的工作群,张老师 为本单位联系人');
    expect(await db.prisma.chatGroup.findFirstOrThrow({ where: { roomId: WORK.UserName } })).toMatchObject({ kind: 'work', registeredBy: '张老师' });
  });

  it('delivers a confirmation text in a room with the member\'s display name', async () => {
    fake.roomText(WORK.UserName, LI.UserName, '已阅');
    await until(() => seen.group.some((m) => m.text === '已阅'), 'the confirmation');
    expect(seen.group.find((m) => m.text === '已阅')).toMatchObject({ roomId: WORK.UserName, topic: '城东小学教师工作群', senderName: '李老师', self: false, kind: 'text' });
  });

  it('reads a quote-reply of the bot\'s post (quoted text, quoted self, reply text)', async () => {
    const refer = `<msg><appmsg appid="" sdkver="0"><title>已阅</title><des></des><type>57</type><url></url><appattach><totallen>0</totallen></appattach><refermsg><type>1</type><svrid>7788</svrid><fromusr>${WORK.UserName}</fromusr><chatusr>${BOT.UserName}</chatusr><displayname>反诈宣传转发助手</displayname><content>【国家反诈中心】警惕!新型刷单诈骗 F7</content></refermsg></appmsg></msg>`;
    fake.push({ FromUserName: WORK.UserName, MsgType: 49, AppMsgType: 57, Content: `${LI.UserName}:<br/>${refer.replace(/</g, '&lt;').replace(/>/g, '&gt;')}` });
    await until(() => seen.group.some((m) => m.quotedText !== undefined), 'the quote');
    expect(seen.group.find((m) => m.quotedText !== undefined)).toMatchObject({
      senderName: '李老师', kind: 'text', text: '已阅', quotedText: '【国家反诈中心】警惕!新型刷单诈骗 F7', quotedSelf: true,
    });
  });

  it('reads an article shared in a room (a source group)', async () => {
    fake.push({
      FromUserName: WORK.UserName, MsgType: 49, AppMsgType: 5, FileName: '钦州警方提醒', Url: 'https://mp.weixin.qq.com/s?__biz=QZ&amp;mid=9&amp;idx=1',
      Content: `${ZHANG.UserName}:<br/>${rawArticlePush('钦州反诈', [{ title: '钦州警方提醒', url: 'https://mp.weixin.qq.com/s?__biz=QZ&mid=9&idx=1' }])}`,
    });
    await until(() => seen.group.some((m) => m.kind === 'article'), 'the shared article');
    expect(seen.group.find((m) => m.kind === 'article')).toMatchObject({
      senderName: '张老师', article: [{ title: '钦州警方提醒', url: 'https://mp.weixin.qq.com/s?__biz=QZ&mid=9&idx=1' }],
    });
  });

  it('turns a room-join system message for the bot into bot_joined', async () => {
    fake.push({ FromUserName: WORK.UserName, MsgType: 10000, Content: '"张老师"邀请你加入了群聊，群聊参与人还有：李老师' });
    await until(() => seen.room.some((e) => e.type === 'bot_joined'), 'bot_joined');
    expect(seen.room.find((e) => e.type === 'bot_joined')).toMatchObject({ room: { roomId: WORK.UserName, topic: '城东小学教师工作群' }, inviterName: '张老师' });
  });

  it('cannot send cards: the port refuses before anything is sent; 1205 and 1204 become SendErrors', async () => {
    expect(account.chat.capabilities()).toEqual({ card: false, file: true, forward: true });
    const before = fake.sends.length;
    const card = account.chat.sayToRoom(WORK.UserName, { type: 'card', card: { title: 't', description: 'd', url: 'https://x.org' } });
    await expect(card).rejects.toBeInstanceOf(SendError);
    await expect(card).rejects.toMatchObject({ opts: { sent: false } });
    fake.failNextSends(1205, 1204);
    await expect(account.chat.sayToRoom(WORK.UserName, { type: 'text', text: '提醒' })).rejects.toMatchObject({ opts: { sent: false, throttled: true } });
    await expect(account.chat.sayToRoom(WORK.UserName, { type: 'text', text: '提醒' })).rejects.toMatchObject({ opts: { sent: false, badTarget: true } });
    expect(fake.sends.length).toBe(before);
    await account.chat.sayToRoom(WORK.UserName, { type: 'text', text: '【国家反诈中心】警惕!新型刷单诈骗\nhttps://mp.weixin.qq.com/s?__biz=MzI1&mid=22475&idx=1' });
    expect(fake.sends.at(-1)).toMatchObject({ to: WORK.UserName, endpoint: 'webwxsendmsg', content: expect.stringContaining('&mid=22475') });
  });

  it('sends an image file through upload + webwxsendmsgimg', async () => {
    const png = path.join(dir, 'poster.png');
    // A 1×1 PNG.
    fs.writeFileSync(png, Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64'));
    await account.chat.sayToRoom(WORK.UserName, { type: 'file', path: png, name: 'poster.png' });
    expect(fake.uploads.length).toBe(1);
    expect(fake.sends.at(-1)).toMatchObject({ to: WORK.UserName, endpoint: 'webwxsendmsgimg', type: 3, content: '@media1' });
  });

  it('replaced the crash handler that wechat4u installs', () => {
    expect(process.listeners('uncaughtException').some((l) => l.toString().includes('console.log'))).toBe(false);
  });
});
