// A simulated WeChat world on real Wechaty + wechaty-puppet-mock, driven like a transcript:
//   const w = await chatWorld({ db });
//   const work = w.group('城东小学工作群', ['张老师', '李老师']);
//   expect(await w.person('张老师').in(work).says('#登记 K7QX-M4PA')).toMatch(/登记成功/);
import type { FileBox } from 'file-box';
import crypto from 'node:crypto';
import { WechatyBuilder, types, type Wechaty } from 'wechaty';
import { PuppetMock, mock } from 'wechaty-puppet-mock';
import { createPipeline, type Account, type AppContext, type InboundHandler } from '../../bot/app.ts';
import { DatabaseOutage } from '../../bot/core/outage.ts';
import { fixedClock } from '../../bot/clock.ts';
import { createCommandHandler } from '../../bot/commands/registry.ts';
import { loadConfig } from '../../bot/config.ts';
import type { Post } from '../../bot/db/client.ts';
import { ensureAccount } from '../../bot/registry/account.ts';
import { createRegistryHandler } from '../../bot/registry/groups.ts';
import type { SourcesConfig } from '../../bot/sources/config.ts';
import { createActivityInbox, type ActivityOptions } from '../../bot/reports/activity-inbox.ts';
import { createSourceCapture } from '../../bot/sources/inbound.ts';
import { attachAdapter, createChatPort, type WechatAdapter } from '../../bot/wechat/adapter.ts';
import type { TestDb } from './db.ts';
import { captureLog } from './log.ts';
import { contentSettings } from '../../bot/core/settings.ts';

export const REFERENCE_TIME = '2026-11-23T09:00:00+08:00';

type RoomMock = InstanceType<mock.Mocker['RoomMock']>;
type ContactMock = InstanceType<mock.Mocker['ContactMock']>;

export interface ArticleSpec {
  title: string;
  url: string;
  digest?: string;
}

/** An app-message XML the way WeChat sends an official-account push (escaped like wechat4u's Content). */
export function articlePushXml(account: string, articles: ArticleSpec[]): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;');
  const items = articles
    .map((a) => `<item><title><![CDATA[${a.title}]]></title><url><![CDATA[${esc(a.url)}]]></url><digest><![CDATA[${a.digest ?? ''}]]></digest><cover><![CDATA[https://mmbiz.qpic.cn/cover.jpg]]></cover></item>`)
    .join('');
  const first = articles[0];
  const xml = `<msg><appmsg appid="" sdkver="0"><title><![CDATA[${first.title}]]></title><des><![CDATA[${first.digest ?? ''}]]></des><type>5</type><url><![CDATA[${esc(first.url)}]]></url><mmreader><category type="20" count="${articles.length}"><name><![CDATA[${account}]]></name>${items}</category><publisher><username><![CDATA[gh_0123456789ab]]></username><nickname><![CDATA[${account}]]></nickname></publisher></mmreader></appmsg></msg>`;
  return xml.replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A 视频号 share as raw XML (finderFeed). */
export function channelShareXml(nickname: string, objectId: string, desc: string): string {
  return `<msg><appmsg><title>当前微信版本不支持展示该内容,请升级至最新版本。</title><type>51</type><finderFeed><objectId>${objectId}</objectId><objectNonceId>n1</objectNonceId><feedType>4</feedType><nickname>${nickname}</nickname><desc>${desc}</desc></finderFeed></appmsg></msg>`;
}

export interface WorldOptions {
  db: TestDb;
  sources?: SourcesConfig;
  /** More pipeline steps after commands and sources. */
  handlers?: InboundHandler[];
  /** Wires the activity inbox (#活动) with these options. */
  activities?: ActivityOptions;
  accountName?: string;
  /** How often the outage probe asks the database (bot/core/outage.ts; default 5 s). */
  outageProbeMs?: number;
}

export async function chatWorld(opts: WorldOptions) {
  const captured = captureLog('debug');
  const clock = fixedClock(REFERENCE_TIME);
  const config = loadConfig({ LOG_LEVEL: 'debug' });
  const ctx: AppContext = { db: opts.db, clock, log: captured.log, config, settings: contentSettings(), ledgerSecret: opts.db.ledgerSecret };
  const mocker = new mock.Mocker();
  const puppet = new PuppetMock({ mocker });
  // Trap of the mock: Room.sync() marks the room's members dirty under the room id, and Wechaty
  // then looks the room id up as a contact, which the mocker rejects (an unhandled rejection).
  const contactRawPayload = puppet.contactRawPayload.bind(puppet);
  puppet.contactRawPayload = async (id: string) =>
    id.endsWith('@chatroom') ? ({ id, name: '', type: types.Contact.Unknown } as never) : contactRawPayload(id);
  const wechaty: Wechaty = WechatyBuilder.build({ puppet });
  const botContact = mocker.createContact({ name: '反诈宣传转发助手' });
  const name = opts.accountName ?? 'test-bot';
  const row = await ensureAccount(opts.db.prisma, name, 'wechaty-puppet-mock');
  const chat = createChatPort(wechaty, name, 'wechaty-puppet-mock');
  const account: Account = { id: row.id, name, chat };
  const posts: Post[] = [];
  const sources = opts.sources ?? { channels: [{ name: '国家反诈中心', scope: 'national' as const }, { name: '钦州反诈', scope: 'city' as const }], feeds: [], admins: [], pollMinutes: 30 };
  const onPostCaptured = (p: Post) => void posts.push(p);
  const activated: number[] = [];
  const inbox = opts.activities ? createActivityInbox(ctx, opts.activities) : undefined;
  const outage = new DatabaseOutage({ probe: () => opts.db.pool.query('SELECT 1'), log: captured.log, probeMs: opts.outageProbeMs });
  const pipeline = createPipeline(
    [
      createCommandHandler(ctx, { sources: { config: sources, onPostCaptured }, onGroupActivated: (id) => void activated.push(id), activities: inbox?.services }),
      createSourceCapture(ctx, { config: sources, onPostCaptured }),
      ...(inbox ? [inbox.handler] : []),
      createRegistryHandler(ctx),
      ...(opts.handlers ?? []),
    ],
    { ...ctx, log: captured.log },
    { outage },
  );
  const adapter: WechatAdapter = attachAdapter({ wechaty, account, pipeline, clock, log: captured.log, staleBefore: new Date(Date.now() - 60_000) });
  await wechaty.start();
  mocker.login(botContact);
  await new Promise((r) => setTimeout(r, 10));

  const people = new Map<string, ContactMock>();
  function person(pname: string): ContactMock {
    let c = people.get(pname);
    if (!c) {
      c = mocker.createContact({ name: pname, type: types.Contact.Individual });
      people.set(pname, c);
    }
    return c;
  }
  const lastMessageId = () => [...mocker.cacheMessagePayload.keys()].pop()!;
  const sentBy = (id: string) => [...mocker.cacheMessagePayload.values()].filter((m) => m.talkerId === botContact.id && (m.roomId === id || m.listenerId === id));

  /** Emits a message and waits until the pipeline has handled it; returns the bot's replies. */
  async function deliver(conversationId: string, emit: () => void): Promise<string> {
    const before = sentBy(conversationId).length;
    emit();
    await adapter.processed(lastMessageId());
    await adapter.settled();
    return sentBy(conversationId).slice(before).map((m) => m.text ?? '').join('\n---\n');
  }

  const world = {
    ctx, clock, log: captured, mocker, puppet, wechaty, account, adapter, posts, activated, bot: botContact,
    person: (pname: string) => {
      const c = person(pname);
      return {
        contact: c,
        /** In a group: `.in(room).says(text)` resolves to the bot's replies in that room. */
        in: (room: RoomMock) => ({
          says: (text: string) => deliver(room.id, () => c.say(text).to(room)),
          /** Sends a picture or video (a FileBox; the mock types it by its media type or extension). */
          sends: (box: FileBox) => deliver(room.id, () => c.say(box as never).to(room)),
        }),
        /** In private chat with the bot. */
        says: (text: string) => deliver(c.id, () => c.say(text).to(botContact)),
        /** Forwards an article card to the bot (admin forward). */
        forwards: (articles: ArticleSpec[]) => world.raw(c.id, { talkerId: c.id, listenerId: botContact.id, type: types.Message.Url, text: articlePushXml('转发', articles) }),
        /** Shares an article in a group. */
        sharesIn: (room: RoomMock, articles: ArticleSpec[]) => world.raw(room.id, { talkerId: c.id, roomId: room.id, type: types.Message.Url, text: articlePushXml('转发', articles) }),
      };
    },
    /** A room with the bot and these members (created on first use). */
    group: (topic: string, members: string[]): RoomMock => {
      const room = mocker.createRoom({ topic, memberIdList: [botContact.id, ...members.map((m) => person(m).id)] });
      return room;
    },
    /** An official account (公众号) the bot follows. */
    official: (oname: string) => {
      const c = mocker.createContact({ name: oname, type: types.Contact.Official });
      return {
        contact: c,
        pushes: (articles: ArticleSpec[]) => world.raw(c.id, { talkerId: c.id, listenerId: botContact.id, type: types.Message.Url, text: articlePushXml(oname, articles) }),
        sharesChannel: (objectId: string, desc: string) => world.raw(c.id, { talkerId: c.id, listenerId: botContact.id, type: types.Message.Post, text: channelShareXml(oname, objectId, desc) }),
        says: (text: string) => world.raw(c.id, { talkerId: c.id, listenerId: botContact.id, type: types.Message.Text, text }),
        /** Pushes a picture, video or file (a FileBox) to the bot. */
        sendsFile: (box: FileBox) => deliver(c.id, () => c.say(box as never).to(botContact)),
      };
    },
    /** Emits any raw message payload. */
    raw: (conversationId: string, payload: Record<string, unknown>) =>
      deliver(conversationId, () => {
        const msg = mocker.MessageMock.create({ id: crypto.randomUUID(), timestamp: Date.now(), ...payload } as never);
        puppet.emit('message', { messageId: msg.id });
      }),
    /** Texts the bot sent to a room or contact. */
    sent: (id: string) => sentBy(id).map((m) => m.text ?? ''),
    /**
     * Runs `trigger` and waits until Wechaty has emitted `event` and the adapter has handled it
     * (the adapter listens first, so its work is in flight when this listener fires). No sleeps:
     * a loaded machine may take any time to emit.
     */
    after: async (event: 'room-join' | 'room-leave' | 'room-topic' | 'ready', trigger: () => void): Promise<void> => {
      const seen = new Promise<void>((resolve) => wechaty.once(event as never, (() => resolve()) as never));
      trigger();
      await seen;
      await adapter.settled();
    },
    /** Fires `ready` (as a puppet does after login) and waits for the re-match. */
    ready: () => world.after('ready', () => puppet.emit('ready', { data: 'ready' })),
    /** Simulates a wechat4u re-login: every room gets a new id (same topic and members). */
    relogin: async (): Promise<Map<string, RoomMock>> => {
      const renamed = new Map<string, RoomMock>();
      for (const [id, payload] of [...mocker.cacheRoomPayload.entries()]) {
        mocker.cacheRoomPayload.delete(id);
        renamed.set(id, mocker.createRoom({ topic: payload.topic, memberIdList: [...payload.memberIdList] }));
      }
      await world.ready();
      return renamed;
    },
    settle: () => adapter.settled(),
    stop: async () => {
      inbox?.stop();
      outage.stop();
      adapter.detach();
      await wechaty.stop().catch(() => undefined);
    },
  };
  return world;
}

export type ChatWorld = Awaited<ReturnType<typeof chatWorld>>;
