// Activity material (#活动) through the REAL wechaty-puppet-wechat4u, offline: photos and videos
// arrive as raw WeChat messages (MsgType 3 / 43) and are downloaded through wechat4u's own
// webwxgetmsgimg / webwxgetvideo requests, answered by the fake.
import { contentSettings } from '../../bot/core/settings.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WechatyBuilder, type Wechaty } from 'wechaty';
import { PuppetWechat4u } from 'wechaty-puppet-wechat4u';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipeline, type Account, type AppContext, type RoomEvent } from '../../bot/app.ts';
import { fixedClock } from '../../bot/clock.ts';
import { createCommandHandler } from '../../bot/commands/registry.ts';
import { loadConfig } from '../../bot/config.ts';
import { ensureAccount } from '../../bot/registry/account.ts';
import { createRegistryHandler } from '../../bot/registry/groups.ts';
import { importOrg, parseOrgCsv } from '../../bot/registry/org-import.ts';
import { createActivityInbox } from '../../bot/reports/activity-inbox.ts';
import { attachAdapter, createChatPort, type WechatAdapter } from '../../bot/wechat/adapter.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';
import { captureLog } from '../helpers/log.ts';
import { jpeg, mp4 } from '../helpers/media.ts';
import { BOT, installWebWechatFake, type RawContact } from '../helpers/wechat4u-fake.ts';

const ZHANG: RawContact = { UserName: '@zhang0000000000000000000000000001', NickName: '张老师', ContactFlag: 3 };
const LI: RawContact = { UserName: '@li000000000000000000000000000000001', NickName: '李老师', ContactFlag: 3 };
const member = (c: RawContact): RawContact => ({ UserName: c.UserName, NickName: c.NickName, DisplayName: '' });
const WORK: RawContact = {
  UserName: '@@work00000000000000000000000000000000001', NickName: '城东小学教师工作群', MemberCount: 3,
  MemberList: [member(BOT), member(ZHANG), member(LI)], ContactFlag: 3,
};

let db: TestDb;
let wechaty: Wechaty;
let adapter: WechatAdapter;
let fake: ReturnType<typeof installWebWechatFake>;
let account: Account;
let dir: string;
let inbox: ReturnType<typeof createActivityInbox>;
const rooms: RoomEvent[] = [];

async function until(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** Texts the bot sent to the work group since `from`. */
const repliesSince = (from: number) => fake.sends.slice(from).filter((s) => s.to === WORK.UserName).map((s) => s.content);

async function says(who: RawContact, text: string): Promise<string[]> {
  const before = fake.sends.length;
  const id = fake.roomText(WORK.UserName, who.UserName, text);
  await until(() => repliesSince(before).length > 0, `a reply to ${text}`);
  await adapter.processed(id);
  return repliesSince(before);
}

beforeAll(async () => {
  db = await freshDb();
  const r = await importOrg(db.prisma, parseOrgCsv('county,name,kind,parent\n,钦州市教育局,city,\n钦南区,钦南区教育局,county,钦州市教育局\n钦南区,城东小学,school,钦南区教育局\n'));
  const code = r.created.find((c) => c.name === '城东小学')!.code;
  fake = installWebWechatFake([ZHANG, LI, WORK]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'w4u-activity-'));
  const { log } = captureLog('debug');
  const ctx: AppContext = { db, clock: fixedClock('2026-11-23T09:00:00+08:00'), log, config: loadConfig({ DATA_DIR: dir }), settings: contentSettings(), ledgerSecret: db.ledgerSecret };
  const puppet = new PuppetWechat4u();
  wechaty = WechatyBuilder.build({ name: path.join(dir, 'w4u-activity'), puppet });
  const row = await ensureAccount(db.prisma, 'w4u-activity', 'wechaty-puppet-wechat4u');
  account = { id: row.id, name: 'w4u-activity', chat: createChatPort(wechaty, 'w4u-activity', 'wechaty-puppet-wechat4u') };
  inbox = createActivityInbox(ctx, { confirmAfterMs: 1500 });
  const pipeline = createPipeline([
    createCommandHandler(ctx, { activities: inbox.services }),
    inbox.handler,
    createRegistryHandler(ctx),
    { name: 'rooms', room: async (e) => void rooms.push(e) },
  ], { ...ctx, log });
  adapter = attachAdapter({ wechaty, account, pipeline, clock: ctx.clock, log, staleBefore: new Date(Date.now() - 60_000) });
  const loggedIn = new Promise((resolve) => wechaty.once('login', resolve));
  await wechaty.start();
  await loggedIn;
  await until(async () => (await wechaty.puppet.roomList()).length > 0, 'the contact list');
  wechaty.puppet.emit('ready', { data: 'test' });
  await until(() => rooms.some((e) => e.type === 'logged_in'), 'ready');
  expect((await says(ZHANG, `#登记 ${code}`)).join()).toContain('城东小学');
}, 60_000);

afterAll(async () => {
  inbox?.stop();
  adapter?.detach();
  // The puppet's own `logout` handler restarts wechat4u after stop() has dropped it (an unhandled
  // "reading 'start'" rejection): stop without it.
  (wechaty?.puppet as unknown as { wechat4u?: { removeAllListeners(ev: string): void } })?.wechat4u?.removeAllListeners('logout');
  await wechaty?.stop().catch(() => undefined);
  fake?.restore();
  await db?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('#活动 on the real wechaty-puppet-wechat4u (offline)', () => {
  it('files the photos a member sent before #活动, downloaded through wechat4u, under DATA_DIR', async () => {
    const a = fake.roomImage(WORK.UserName, ZHANG.UserName, jpeg(1));
    const b = fake.roomImage(WORK.UserName, ZHANG.UserName, jpeg(2));
    const other = fake.roomImage(WORK.UserName, LI.UserName, jpeg(3)); // someone else's photo
    await Promise.all([a, b, other].map((id) => adapter.processed(id)));
    expect(fake.downloads).toEqual([]); // nothing is downloaded before someone files it
    const reply = await says(ZHANG, '#活动 主题班会');
    expect(reply.join()).toContain('已收到「主题班会」的活动材料:照片 2 张、视频 0 个,已归入城东小学的工作小结');
    // One sync batch is handled concurrently: the two downloads may come in either order.
    expect(fake.downloads.map((d) => [d.path, d.msgId]).sort()).toEqual([['webwxgetmsgimg', a], ['webwxgetmsgimg', b]].sort());
    const rows = await db.pool.query<{ caption: string; kind: string; file: string; mime_type: string; bytes: number }>(
      'SELECT a.caption, m.kind, m.file, m.mime_type, m.bytes FROM activity a JOIN activity_media m ON m.activity_id = a.id ORDER BY m.id',
    );
    expect(rows.rows.map((x) => [x.caption, x.kind, x.mime_type])).toEqual([['主题班会', 'image', 'image/jpeg'], ['主题班会', 'image', 'image/jpeg']]);
    for (const x of rows.rows) expect(x.file).toMatch(/^activity\/\d+\/2026-11\/\d+-[0-9a-f]{12}\.jpg$/);
    const stored = rows.rows.map((x) => fs.readFileSync(path.join(dir, x.file)).toString('hex')).sort();
    expect(stored).toEqual([jpeg(1), jpeg(2)].map((j) => j.toString('hex')).sort());
  });

  it('files a video sent after #活动 (downloaded with a Range request) and confirms the batch once', async () => {
    const before = fake.sends.length;
    const v = fake.roomVideo(WORK.UserName, ZHANG.UserName, mp4(7));
    const p = fake.roomImage(WORK.UserName, ZHANG.UserName, jpeg(8));
    await Promise.all([v, p].map((id) => adapter.processed(id)));
    await until(() => repliesSince(before).length > 0, 'the batch confirmation');
    await new Promise((r) => setTimeout(r, 400));
    expect(repliesSince(before)).toEqual(['「主题班会」又收到 2 个照片或视频,本次活动共有照片 3 张、视频 1 个。']);
    expect(fake.downloads.find((d) => d.msgId === v)).toMatchObject({ path: 'webwxgetvideo', range: 'bytes=0-' });
    const { rows } = await db.pool.query<{ file: string }>("SELECT file FROM activity_media WHERE kind = 'video'");
    expect(fs.readFileSync(path.join(dir, rows[0].file)).equals(mp4(7))).toBe(true);
  });

  it('says so when WeChat no longer has the file, and keeps nothing empty', async () => {
    const id = fake.roomImage(WORK.UserName, LI.UserName, jpeg(9));
    await adapter.processed(id);
    fake.expireMedia(id);
    const reply = await says(LI, '#活动 反诈知识讲座');
    // 李老师's photo of the first test is still waiting (same half hour); the expired one is not filed.
    expect(reply.join()).toContain('已收到「反诈知识讲座」的活动材料:照片 1 张、视频 0 个');
    expect(reply.join()).toContain('另有 1 个文件未能存档');
    const { rows } = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM activity_media WHERE bytes = 0");
    expect(rows[0].n).toBe(0);
  });
});
