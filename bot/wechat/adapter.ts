// The Wechaty adapter: puppet events in, plain inputs (bot/chat-types.ts) out to the inbound
// pipeline; ChatPort sends back through the puppet. The only code besides bot.ts that touches
// Wechaty. Facts about wechat4u that shape it are in DESIGN.md ("What WeChat really allows").
import { FileBox } from 'file-box';
import { types, type Contact, type Message, type Room, type Wechaty } from 'wechaty';
import type { Account, Pipeline, RoomEvent } from '../app.ts';
import type { ArticleCard, ChatPort, GroupMessage, Member, MessageKind, Outgoing, PrivateMessage, RoomInfo, SendCapabilities } from '../chat-types.ts';
import { SendError } from '../chat-types.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { decodeAppMsg, parseArticles, parseQuote } from './appmsg.ts';
import { cleanText } from './clean.ts';

/** What each puppet can send, read from its source (see README "Sources of posts"). */
export function capabilitiesOf(puppet: string): SendCapabilities {
  // wechat4u: messageSendUrl / MiniProgram / Post throw "Unsupported"; forward works for
  // text, image, video and app messages.
  if (/wechat4u/.test(puppet)) return { card: false, file: true, forward: true };
  // mock: messageSendUrl and messageForward are silent no-ops (nothing arrives), files arrive.
  if (/mock/.test(puppet)) return { card: false, file: true, forward: false };
  return { card: true, file: true, forward: true };
}

/** Maps a puppet send failure to a SendError: provably not sent, or unknown. */
export function toSendError(err: unknown): SendError {
  const e = err as { name?: string; message?: string; actual?: unknown; code?: string; response?: { data?: { BaseResponse?: { Ret?: number } } } };
  const ret = e?.response?.data?.BaseResponse?.Ret ?? (e?.name === 'AssertionError' && typeof e.actual === 'number' ? e.actual : undefined);
  const message = e?.message ?? String(err);
  if (ret === 1205) return new SendError('WeChat refused: sending too fast (1205)', { sent: false, throttled: true, cause: err });
  if (ret === 1101) return new SendError('WeChat refused: the session has ended (1101)', { sent: false, badTarget: true, loggedOut: true, cause: err });
  if (ret === 1204) return new SendError(`WeChat refused: bad target (${ret})`, { sent: false, badTarget: true, cause: err });
  if (typeof ret === 'number') return new SendError(`WeChat refused the message (Ret ${ret})`, { sent: false, cause: err });
  if (/unsupported/i.test(message)) return new SendError(`the puppet cannot send this: ${message}`, { sent: false, cause: err });
  if (e?.code === 'BAD_TARGET') return new SendError(message, { sent: false, badTarget: true, cause: err });
  return new SendError(`send outcome unknown: ${message}`, { sent: 'unknown', cause: err });
}

/** How long a room's member list is trusted without a membership event (see roomMembers). */
export const MEMBERS_TTL_MS = 10 * 60_000;

// The puppet's raw-payload API (every puppet has it): read live, past the puppet's payload cache,
// which keeps a room fetched before its members arrived (wechat4u) with an empty member list.
interface RawPuppet {
  currentUserId: string;
  roomList(): Promise<string[]>;
  roomRawPayload(id: string): Promise<unknown>;
  roomRawPayloadParser(raw: unknown): Promise<{ id: string; topic: string; memberIdList: string[] }>;
  roomMemberRawPayload(roomId: string, contactId: string): Promise<unknown>;
  roomMemberRawPayloadParser(raw: unknown): Promise<{ id: string; name: string; roomAlias?: string }>;
}

/** The outbound side of one Wechaty bot. */
export function createChatPort(wechaty: Wechaty, accountName: string, puppet: string): ChatPort {
  const caps = capabilitiesOf(puppet);
  const raw = () => wechaty.puppet as unknown as RawPuppet;
  const memberCache = new Map<string, { at: number; members: Member[] }>();
  let roomIds: { at: number; ids: Set<string> } | undefined;

  /** The room ids the puppet knows (on wechat4u also those of earlier sessions: see live()). */
  async function knownRoomIds(): Promise<Set<string>> {
    if (!roomIds || Date.now() - roomIds.at > 5_000) roomIds = { at: Date.now(), ids: new Set(await raw().roomList()) };
    return roomIds.ids;
  }
  async function known(roomId: string): Promise<boolean> {
    if ((await knownRoomIds()).has(roomId)) return true;
    roomIds = undefined; // a room may have arrived since the list was read
    return (await knownRoomIds()).has(roomId);
  }
  /** A room's payload read live; undefined when the puppet does not know the id. */
  async function payloadOf(roomId: string) {
    if (!(await known(roomId))) return undefined;
    return raw().roomRawPayloadParser(await raw().roomRawPayload(roomId));
  }
  /**
   * Whether a room belongs to this session: wechat4u never forgets the rooms of earlier sessions
   * (same topics, ids the server now refuses), but only a current room has the current bot user
   * among its members (every id changes at a login, the bot's own too).
   */
  const live = (p: { memberIdList: string[] }) => p.memberIdList.includes(raw().currentUserId);

  async function roomOf(roomId: string): Promise<Room> {
    // Room.load, not Room.find: find() makes Wechaty load every member's contact (Room.ready()).
    if (!(await known(roomId))) {
      throw Object.assign(new Error(`no room ${roomId} (the bot left it, or ids changed after a re-login)`), { code: 'BAD_TARGET' });
    }
    return (wechaty.Room as unknown as { load(id: string): Room }).load(roomId);
  }
  async function contactOf(contactId: string): Promise<Contact> {
    const c = await wechaty.Contact.find({ id: contactId }).catch(() => undefined);
    if (!c) throw Object.assign(new Error(`no contact ${contactId}`), { code: 'BAD_TARGET' });
    return c;
  }
  async function sayable(out: Outgoing): Promise<string | FileBox | InstanceType<Wechaty['UrlLink']>> {
    if (out.type === 'text') return out.text;
    if (out.type === 'card') {
      if (!caps.card) throw new Error(`Unsupported: ${puppet} cannot send article cards; send the text rendering`);
      return new wechaty.UrlLink({ title: out.card.title, description: out.card.description, url: out.card.url, thumbnailUrl: out.card.thumbnailUrl });
    }
    if (out.path) return FileBox.fromFile(out.path, out.name);
    if (out.url) return FileBox.fromUrl(out.url, { name: out.name });
    throw new Error('Unsupported: a file needs a path or a url');
  }
  async function send(target: () => Promise<Room | Contact>, out: Outgoing): Promise<void> {
    let t: Room | Contact;
    let content: Awaited<ReturnType<typeof sayable>>;
    try {
      t = await target();
      content = await sayable(out);
    } catch (err) {
      throw toSendError(err); // nothing was sent yet
    }
    try {
      await t.say(content as never);
    } catch (err) {
      throw toSendError(err);
    }
  }
  // Members change on joins and leaves: forget the cached list then (and at each login).
  const forget = (r: Room) => void memberCache.delete(r.id);
  wechaty.on('room-join', forget);
  wechaty.on('room-leave', forget);
  wechaty.on('login', () => {
    memberCache.clear();
    roomIds = undefined;
  });
  return {
    accountName,
    capabilities: () => caps,
    selfId: () => {
      try {
        return wechaty.currentUser?.id;
      } catch {
        return undefined; // not logged in
      }
    },
    sayToRoom: (roomId, out) => send(() => roomOf(roomId), out),
    sayToContact: (contactId, out) => send(() => contactOf(contactId), out),
    // From the room's own payload (wechat4u: the member list the server sent with the room), never
    // through Wechaty's memberAll(), which fetches every member's contact; cached per room.
    roomMembers: async (roomId) => {
      const hit = memberCache.get(roomId);
      if (hit && Date.now() - hit.at < MEMBERS_TTL_MS) return hit.members;
      const p = await payloadOf(roomId);
      if (!p) throw Object.assign(new Error(`no room ${roomId} (the bot left it, or ids changed after a re-login)`), { code: 'BAD_TARGET' });
      const members: Member[] = [];
      for (const id of p.memberIdList) {
        const m = await raw().roomMemberRawPayload(roomId, id).then((r) => raw().roomMemberRawPayloadParser(r)).catch(() => undefined);
        members.push({ id, name: cleanText(m?.roomAlias || m?.name || '') });
      }
      memberCache.set(roomId, { at: Date.now(), members });
      return members;
    },
    room: async (roomId) => {
      const p = await payloadOf(roomId).catch(() => undefined);
      return p ? { roomId, topic: cleanText(p.topic), memberCount: p.memberIdList.length } : undefined;
    },
    rooms: async () => {
      roomIds = undefined;
      const out: RoomInfo[] = [];
      for (const id of await knownRoomIds()) {
        const p = await payloadOf(id).catch(() => undefined);
        if (p && live(p)) out.push({ roomId: id, topic: cleanText(p.topic), memberCount: p.memberIdList.length });
      }
      return out;
    },
  };
}

/** Topic and member count of a room from its payload (no member loading). */
async function roomInfo(r: Room): Promise<RoomInfo> {
  const p = await (r.wechaty.puppet as unknown as RawPuppet).roomRawPayload(r.id).then((x) => (r.wechaty.puppet as unknown as RawPuppet).roomRawPayloadParser(x));
  return { roomId: r.id, topic: cleanText(p.topic), memberCount: p.memberIdList.length };
}

function kindOf(t: types.Message): MessageKind {
  switch (t) {
    case types.Message.Text: return 'text';
    case types.Message.Url: return 'article';
    case types.Message.Image: return 'image';
    case types.Message.Video: return 'video';
    case types.Message.Attachment: return 'file';
    case types.Message.Post: return 'channel_video';
    case types.Message.MiniProgram: return 'mini_program';
    case types.Message.Unknown:
    case types.Message.GroupNote:
    case types.Message.Recalled: return 'system';
    default: return 'other';
  }
}

export interface AdapterOptions {
  wechaty: Wechaty;
  account: Account;
  pipeline: Pipeline;
  clock: Clock;
  log: Logger;
  /** Messages dated earlier than this are stale (history synced at login); default: attach time − 2 min. */
  staleBefore?: Date;
  /**
   * Every room id changes at a login (wechat4u): after each login nothing may be sent for the
   * account until its groups are re-matched (`matched()`). Puppets with stable ids: always matched.
   */
  idsChangeAtLogin?: boolean;
}

/** Whether `puppet` gives every room and contact a new id at each login (wechat4u does). */
export function idsChangeAtLogin(puppet: string): boolean {
  return /wechat4u/.test(puppet);
}

export interface WechatAdapter {
  /** Resolves when every message and event seen so far has gone through the pipeline. */
  settled(): Promise<void>;
  /** Resolves when the message with this id has gone through the pipeline (or was bailed out). */
  processed(messageId: string): Promise<void>;
  /** Discovers the rooms again and re-matches the groups (as at `ready`), when logged in. */
  rediscover(): void;
  /** Whether the groups were re-matched to this session's rooms since the last login. */
  matched(): boolean;
  detach(): void;
}

/** The raw text of a message (wechat4u: Content; mock: text), for what Wechaty cannot parse. */
async function rawContent(wechaty: Wechaty, msg: Message): Promise<string> {
  try {
    const raw = (await (wechaty.puppet as unknown as { messageRawPayload(id: string): Promise<unknown> }).messageRawPayload(msg.id)) as { Content?: string; text?: string; OriContent?: string };
    return cleanText(raw?.Content ?? raw?.OriContent ?? raw?.text ?? '');
  } catch {
    return '';
  }
}

/** Articles of an article message: all of a multi-article push from the raw payload, else toUrlLink(). */
async function articlesOf(wechaty: Wechaty, msg: Message, raw: string): Promise<ArticleCard[]> {
  const fromRaw = parseArticles(raw);
  if (fromRaw.length) return fromRaw;
  try {
    const link = await msg.toUrlLink();
    return [{ title: cleanText(link.title()), description: cleanText(link.description() ?? ''), url: cleanText(decodeAppMsg(link.url())), thumbnailUrl: link.thumbnailUrl() }];
  } catch {
    return [];
  }
}

/** Attaches the adapter to a built (not necessarily started) Wechaty. */
export function attachAdapter(opts: AdapterOptions): WechatAdapter {
  const { wechaty, account, pipeline, clock } = opts;
  const log = opts.log.child({ name: 'wechat', account: account.name });
  const staleBefore = opts.staleBefore ?? new Date(clock.now().getTime() - 120_000);
  const inflight = new Set<Promise<void>>();
  const done = new Map<string, Promise<void>>();
  const waiters = new Map<string, () => void>();
  // Messages of one chat (a room, or one person's private chat) go through the pipeline one after
  // another, in the order they arrived: "#班级 X" then "#自动转发 开" sent back to back must not
  // overtake each other. Different chats still run side by side.
  const chats = new Map<string, Promise<void>>();
  function inChatOrder(key: string, fn: () => Promise<void>): Promise<void> {
    const run = (chats.get(key) ?? Promise.resolve()).catch(() => undefined).then(fn);
    chats.set(key, run);
    const forget = () => {
      if (chats.get(key) === run) chats.delete(key);
    };
    run.then(forget, forget);
    return run;
  }

  function track(id: string | undefined, p: Promise<void>): void {
    const q = p.catch((err) => log.error({ err }, 'chat event failed')).finally(() => {
      inflight.delete(q);
      if (id) waiters.get(id)?.();
    });
    inflight.add(q);
    if (id) {
      done.set(id, q);
      if (done.size > 1000) done.delete(done.keys().next().value!);
    }
  }

  async function onMessage(msg: Message): Promise<void> {
    const at = clock.now();
    const date = msg.date();
    if (date < staleBefore) {
      log.debug({ message: msg.id, date }, 'bail out: stale message from before the start');
      return;
    }
    const type = msg.type();
    const kind = kindOf(type);
    const talker = msg.talker();
    const room = msg.room();
    if (msg.self() && !room) {
      log.debug({ message: msg.id }, 'bail out: own private message');
      return;
    }
    if (kind === 'other') {
      log.debug({ message: msg.id, type: types.Message[type] }, 'bail out: message type not relevant (voice, emoticon, transfer, …)');
      return;
    }
    const raw = kind === 'article' || kind === 'channel_video' || kind === 'mini_program' ? await rawContent(wechaty, msg) : undefined;
    const article = kind === 'article' ? await articlesOf(wechaty, msg, raw ?? '') : undefined;
    // Article messages carry XML as text on wechat4u: give the domain the title instead.
    const text = cleanText(kind === 'article' ? (article?.[0]?.title ?? '') : kind === 'channel_video' ? '' : msg.text());
    const senderIsBot = talker.type() === types.Contact.Official;
    // Downloaded only if a source step captures the message (never for ordinary group chatter).
    const file = kind === 'image' || kind === 'video' || kind === 'file'
      ? { load: async () => { const box = await msg.toFileBox(); return { name: box.name, bytes: await box.toBuffer() }; } }
      : undefined;
    if (room) {
      const topic = cleanText(await room.topic());
      const senderName = cleanText((await room.alias(talker).catch(() => undefined)) || talker.name());
      // wechat4u turns a quote-reply into "「name：quoted」\n- - -…\nreply" text.
      const quote = kind === 'text' ? parseQuote(text) : undefined;
      let quotedSelf: boolean | undefined;
      if (quote) {
        const me = wechaty.currentUser;
        const myAlias = await room.alias(me).catch(() => undefined);
        quotedSelf = quote.quotedName === me.name() || (!!myAlias && quote.quotedName === myAlias);
      }
      const g: GroupMessage = {
        messageId: msg.id, roomId: room.id, topic, senderId: talker.id, senderName, senderIsBot, self: msg.self(),
        kind, text: quote ? quote.text : text, quotedText: quote?.quotedText, quotedSelf, article, raw, file, at,
      };
      await pipeline.group(g, account);
    } else {
      const p: PrivateMessage = {
        messageId: msg.id, senderId: talker.id, senderName: cleanText(talker.name()), senderIsOfficial: senderIsBot, self: false,
        kind, text, article, raw, file, at,
      };
      await pipeline.private(p, account);
    }
  }

  const room = (ev: RoomEvent) => pipeline.room(ev, account);
  const isSelf = (c: Contact) => c.id === wechaty.currentUser?.id;
  const handlers = {
    message: (msg: Message) => track(msg.id, inChatOrder(msg.room()?.id ?? `private:${msg.talker()?.id ?? msg.id}`, () => onMessage(msg))),
    'room-join': (r: Room, invitees: Contact[], inviter: Contact) =>
      track(undefined, (async () => {
        const info = await roomInfo(r);
        if (invitees.some(isSelf)) await room({ type: 'bot_joined', room: info, inviterId: inviter?.id, inviterName: cleanText(inviter?.name()), at: clock.now() });
        else await room({ type: 'members_changed', roomId: r.id, memberCount: info.memberCount, at: clock.now() });
      })()),
    'room-leave': (r: Room, leavers: Contact[]) =>
      track(undefined, (async () => {
        if (leavers.some(isSelf)) await room({ type: 'bot_left', roomId: r.id, at: clock.now() });
        else await room({ type: 'members_changed', roomId: r.id, memberCount: (await roomInfo(r)).memberCount, at: clock.now() });
      })()),
    'room-topic': (r: Room, newTopic: string, oldTopic: string) =>
      track(undefined, room({ type: 'topic_changed', roomId: r.id, newTopic: cleanText(newTopic), oldTopic: cleanText(oldTopic), at: clock.now() }).then(() => undefined)),
    // Rooms are only complete after `ready`: discover them (and re-match groups) then.
    ready: () => track(undefined, discover()),
    // Every id changes at a login (wechat4u): nothing may be sent to a group until it is
    // re-matched. If `ready` does not come within 2 minutes, the rooms are discovered anyway.
    login: () => {
      session++;
      matchedSession = false;
      discovered = false;
      clearTimeout(readyFallback);
      clearTimeout(retry);
      if (!opts.idsChangeAtLogin) return;
      readyFallback = setTimeout(() => {
        if (!discovered && wechaty.isLoggedIn) {
          log.warn('no `ready` from the puppet 2 minutes after the login; discovering the rooms now');
          track(undefined, discover());
        }
      }, 120_000);
      readyFallback.unref?.();
    },
  };
  /** Logins seen; a discovery of an earlier login does not count for this one. */
  let session = 0;
  let matchedSession = false;
  /** A discovery was started for this login (`ready`, the fallback or a take-over). */
  let discovered = false;
  let readyFallback: NodeJS.Timeout | undefined;
  let retry: NodeJS.Timeout | undefined;
  let discovering: Promise<void> = Promise.resolve();
  /**
   * Discovers this session's rooms and re-matches the groups to them; one discovery at a time (two
   * at once raced for the same rows). The relay claims nothing for the account until one has
   * succeeded for the current login; a failed one (the database?) is tried again in 30 s.
   */
  function discover(): Promise<void> {
    discovered = true;
    const mine = session;
    const again = () => {
      log.warn('re-matching the groups after the login failed; trying again in 30 s (nothing is sent for this account until then)');
      clearTimeout(retry);
      retry = setTimeout(() => track(undefined, discover()), 30_000);
      retry.unref?.();
    };
    const run = discovering.catch(() => undefined).then(async () => {
      if (mine !== session || !wechaty.isLoggedIn) return; // a newer login discovers for itself
      let ok = false;
      try {
        const rooms = await account.chat.rooms();
        log.info({ rooms: rooms.length }, 'WeChat ready; rooms discovered');
        ok = await room({ type: 'logged_in', rooms, at: clock.now() });
      } finally {
        if (mine === session && ok) matchedSession = true;
        else if (mine === session) again();
      }
    });
    discovering = run;
    return run;
  }
  for (const [ev, fn] of Object.entries(handlers)) wechaty.on(ev as never, fn as never);

  return {
    settled: async () => {
      while (inflight.size) await Promise.all([...inflight]);
    },
    processed: (id) => {
      const known = done.get(id);
      if (known) return known;
      return new Promise<void>((resolve) => waiters.set(id, () => {
        waiters.delete(id);
        resolve();
      }));
    },
    matched: () => !opts.idsChangeAtLogin || matchedSession,
    rediscover: () => {
      if (!wechaty.isLoggedIn) return;
      matchedSession = false; // (e.g. taken over: the rooms are matched by this process now)
      track(undefined, discover());
    },
    detach: () => {
      clearTimeout(readyFallback);
      clearTimeout(retry);
      for (const [ev, fn] of Object.entries(handlers)) wechaty.off(ev as never, fn as never);
    },
  };
}
