// The simulated WeChat world: per bot account one mock puppet with its rooms, members and
// official accounts; simulated people who register groups, reply to the bot's posts by the
// scenario's behaviour model (seeded), join and leave; and the faults (throttle, removal,
// re-login). Everything happens on timers, so it follows the virtual clock.
import { DEFAULT_TIME_ZONE, localDay } from '../core/time.ts';
import { FileBox } from 'file-box';
import { mock } from 'wechaty-puppet-mock';
import { commandWords } from '../commands/words.ts';
import { list, t } from '../i18n.ts';
import { DemoPuppet, PUPPET, type Refusal, type SendRecord } from './demo-puppet.ts';
import { fakeName, keyedRng, seededRng, type Rng } from './rng.ts';
import {
  DEFAULT_BEHAVIOUR,
  resolveTime,
  type Behaviour,
  type Scenario,
  type ScenarioGroup,
  type ScenarioPost,
} from './scenario.ts';

/** What the world tells the narrator. */
export type WorldEvent =
  | { type: 'post_published'; channel: string; post: ScenarioPost; repeat: boolean; at: Date }
  | { type: 'registration'; group: string; by: string; text: string; at: Date }
  | { type: 'throttle_started'; account: string; until: Date; at: Date }
  | { type: 'throttle_ended'; account: string; at: Date }
  | { type: 'bot_removed'; group: string; account: string; at: Date }
  | { type: 'relogin'; account: string; at: Date }
  | { type: 'churn'; group: string; joined: number; left: number; at: Date };

export interface ThrottleRecord {
  account: string;
  from: Date;
  until: Date;
  /** Sends refused while throttled. */
  refused: number;
  /** The first send that went out after the throttle ended (the account resumed). */
  resumedAt?: Date;
}

interface Person {
  name: string;
  never: boolean;
}

interface WorldRoom {
  index: number;
  spec: ScenarioGroup;
  account: string;
  members: Person[];
  /** The bot is still in the room. */
  botIn: boolean;
  behaviour: Behaviour;
  /** Post codes each member has answered already. */
  answered: Map<string, Set<string>>;
  /** Reminder days each member has answered already. */
  remindedDays: Map<string, Set<string>>;
}

interface AccountWorld {
  name: string;
  nickname: string;
  mocker: mock.Mocker;
  puppet: DemoPuppet;
  epoch: number;
  selfId: string;
  /** Person name → contact id (this epoch). */
  contactIds: Map<string, string>;
  /** World room index → room id (this epoch). */
  roomIds: Map<number, string>;
  roomByPuppetId: Map<string, WorldRoom>;
  officialIds: Map<string, string>;
  throttledUntil?: Date;
}

export interface WorldStats {
  /** Every message the bot sent into a room: world room topic, account, text, time. */
  roomSends: { topic: string; account: string; text: string; at: Date }[];
  privateSends: { account: string; to: string; text: string; at: Date }[];
  memberReplies: number;
  /** Every reply a member typed: world room topic, who, text, time. */
  replies: { topic: string; who: string; text: string; at: Date }[];
  throttles: ThrottleRecord[];
  refusedToRemovedGroup: number;
}

export interface World {
  accounts: Map<string, AccountWorld>;
  rooms: WorldRoom[];
  stats: WorldStats;
  /** Puppets by account name (hand them to createWechatBot). */
  puppets(): { account: string; nickname: string; puppet: DemoPuppet }[];
  /** Logs every account in (after the Wechaty instances started). */
  login(): void;
  /** Schedules all scenario events on the (virtual) timers. `codes`: enrollment code per unit name. */
  schedule(codes: Map<string, string>): void;
  onEvent(fn: (e: WorldEvent) => void): void;
}

/** Builds the world (rooms, people, puppets) from a checked scenario. Nothing happens until schedule(). */
/** A chat command as a person types it, `#name args…`, with the command words of commands.yml. */
function typed(command: string, ...args: string[]): string {
  return [`#${commandWords(command).name}`, ...args].join(' ');
}

export function buildWorld(s: Scenario): World {
  const rng = seededRng(s.seed);
  const listeners: ((e: WorldEvent) => void)[] = [];
  const emit = (e: WorldEvent) => listeners.forEach((fn) => fn(e));
  const stats: WorldStats = { roomSends: [], privateSends: [], memberReplies: 0, replies: [], throttles: [], refusedToRemovedGroup: 0 };
  const base: Behaviour = { ...DEFAULT_BEHAVIOUR, ...s.behaviour } as Behaviour;
  const taken = new Set<string>([...s.groups.map((g) => g.by), ...s.admins]);

  const rooms: WorldRoom[] = s.groups.map((g, index) => {
    const behaviour = { ...base, ...(g.behaviour ?? {}) } as Behaviour;
    const names = typeof g.members === 'number' ? Array.from({ length: g.members }, () => fakeName(rng, g.kind, taken)) : g.members;
    const members: Person[] = [{ name: g.by, never: false }, ...names.map((name) => ({ name, never: rng.next() < behaviour.neverShare }))];
    return { index, spec: g, account: g.account, members, botIn: true, behaviour, answered: new Map(), remindedDays: new Map() };
  });
  // Homeroom teachers are members of their school's work group (the trust chain needs it);
  // bureau admins are members of the city bureau's work group.
  for (const r of rooms.filter((x) => x.spec.kind === 'parent')) {
    const work = rooms.find((w) => w.spec.kind === 'work' && w.spec.unit === r.spec.unit);
    if (work && !work.members.some((m) => m.name === r.spec.by)) work.members.push({ name: r.spec.by, never: false });
  }
  const firstWork = rooms.find((r) => r.spec.kind === 'work');
  for (const admin of s.admins) {
    if (firstWork && !firstWork.members.some((m) => m.name === admin)) firstWork.members.push({ name: admin, never: false });
  }

  const accounts = new Map<string, AccountWorld>();
  for (const a of s.accounts) {
    const mocker = new mock.Mocker();
    const acc: AccountWorld = {
      name: a.name,
      nickname: a.nickname ?? a.name,
      mocker,
      puppet: undefined as unknown as DemoPuppet,
      epoch: 0,
      selfId: '',
      contactIds: new Map(),
      roomIds: new Map(),
      roomByPuppetId: new Map(),
      officialIds: new Map(),
    };
    acc.puppet = new DemoPuppet(mocker, {
      refuse: (conversationId) => refuse(acc, conversationId),
      sent: (rec) => recordSend(acc, rec),
    });
    accounts.set(a.name, acc);
    populate(acc);
  }

  function contactPayload(id: string, name: string, type = PUPPET.types.Contact.Individual): PUPPET.payloads.Contact {
    return { id, name, type, gender: PUPPET.types.ContactGender.Unknown, avatar: '', friend: type === PUPPET.types.Contact.Official, phone: [] } as PUPPET.payloads.Contact;
  }

  /** Creates this epoch's contacts and rooms for an account (new ids on every re-login, like wechat4u). */
  function populate(acc: AccountWorld): void {
    const e = acc.epoch;
    acc.selfId = `${acc.name}-e${e}-self`;
    acc.mocker.ContactMock.create(contactPayload(acc.selfId, acc.nickname));
    acc.contactIds.clear();
    acc.roomIds.clear();
    acc.roomByPuppetId.clear();
    let n = 0;
    const contactFor = (name: string) => {
      let id = acc.contactIds.get(name);
      if (!id) {
        id = `${acc.name}-e${e}-p${n++}`;
        acc.mocker.ContactMock.create(contactPayload(id, name));
        acc.contactIds.set(name, id);
      }
      return id;
    };
    for (const r of rooms.filter((x) => x.account === acc.name && x.botIn)) {
      const id = `${acc.name}-e${e}-g${r.index}@chatroom`;
      const memberIdList = [acc.selfId, ...r.members.map((m) => contactFor(m.name))];
      acc.mocker.RoomMock.create({ id, topic: r.spec.topic, memberIdList, adminIdList: [], avatar: '' } as PUPPET.payloads.Room);
      acc.roomIds.set(r.index, id);
      acc.roomByPuppetId.set(id, r);
    }
    // Admins may write to the bot privately even when not in one of this account's rooms.
    for (const admin of s.admins) contactFor(admin);
    acc.officialIds.clear();
    s.channels.forEach((c, i) => {
      const id = `${acc.name}-e${e}-official${i}`;
      acc.mocker.ContactMock.create(contactPayload(id, c.name, PUPPET.types.Contact.Official));
      acc.officialIds.set(c.name, id);
    });
    // The bot reads what it sent back through the message stream (the relay reconciles with it).
    acc.puppet.on('message', ({ messageId }) => onPuppetMessage(acc, e, messageId));
  }

  function refuse(acc: AccountWorld, conversationId: string): Refusal | undefined {
    const now = new Date();
    if (acc.throttledUntil && now < acc.throttledUntil) {
      const t = stats.throttles.findLast((x) => x.account === acc.name);
      if (t) t.refused++;
      return { ret: 1205, reason: '发送消息过于频繁,请稍后再试' };
    }
    if (conversationId.includes('@')) {
      const room = acc.roomByPuppetId.get(conversationId);
      if (room && !room.botIn) {
        stats.refusedToRemovedGroup++;
        return { ret: 1204, reason: '你已不在该群聊中' };
      }
      // An id from before a re-login: WeChat no longer knows it.
      if (!room) return { ret: 1204, reason: '群聊不存在' };
    }
    return undefined;
  }

  function recordSend(acc: AccountWorld, rec: SendRecord): void {
    const throttle = stats.throttles.findLast((x) => x.account === acc.name);
    if (throttle && !throttle.resumedAt && rec.at >= throttle.until) throttle.resumedAt = rec.at;
    if (rec.roomId) {
      const room = acc.roomByPuppetId.get(rec.roomId);
      stats.roomSends.push({ topic: room?.spec.topic ?? rec.roomId, account: acc.name, text: rec.text ?? t('demo.file_sent', { file: rec.file ?? '' }), at: rec.at });
    } else if (rec.contactId) {
      const to = [...acc.contactIds.entries()].find(([, id]) => id === rec.contactId)?.[0] ?? rec.contactId;
      stats.privateSends.push({ account: acc.name, to, text: rec.text ?? t('demo.file_sent', { file: rec.file ?? '' }), at: rec.at });
    }
  }

  /** Members read what the bot posts in their room and some reply (the behaviour model). */
  function onPuppetMessage(acc: AccountWorld, epoch: number, messageId: string): void {
    if (epoch !== acc.epoch) return;
    let payload: PUPPET.payloads.Message;
    try {
      payload = acc.mocker.messagePayload(messageId) as PUPPET.payloads.Message;
    } catch {
      return;
    }
    if (payload.talkerId !== acc.selfId || !payload.roomId) return;
    const room = acc.roomByPuppetId.get(payload.roomId);
    if (!room || !room.botIn) return;
    react(acc, room, payload.text ?? '');
  }

  function react(acc: AccountWorld, room: WorldRoom, text: string): void {
    const b = room.behaviour;
    const codes = [...new Set(text.match(/\bF\d+\b/g) ?? [])];
    const attested = t('demo.people.attested');
    const attest = text.includes(attested) ? attested : undefined;
    const day = localDay(new Date(), DEFAULT_TIME_ZONE);
    for (const m of room.members) {
      if (m.never) continue;
      const answered = room.answered.get(m.name) ?? new Set<string>();
      room.answered.set(m.name, answered);
      const fresh = codes.filter((c) => !answered.has(c));
      if (fresh.length) {
        // A post (or a reminder with codes of posts this member has not seen yet).
        fresh.forEach((c) => answered.add(c));
        // Keyed by room, member and posts (not drawn in arrival order): reproducible run to run.
        const r = keyedRng(s.seed, 'reply', room.index, m.name, fresh.join(','));
        if (r.next() >= b.confirmShare) continue;
        const word = attest ?? r.pick(b.words).replace('{name}', m.name);
        const reply = r.next() < b.codeShare ? `${fresh[0]} ${word}` : word;
        later(r.logNormal(b.delayMinutes.median, b.delayMinutes.p90) * 60_000, () => say(acc, room, m.name, reply));
      } else if (text.includes(m.name)) {
        // A reminder that names this member: some answer it, once a day at most.
        const days = room.remindedDays.get(m.name) ?? new Set<string>();
        room.remindedDays.set(m.name, days);
        if (days.has(day)) continue;
        days.add(day);
        const r = keyedRng(s.seed, 'reminder', room.index, m.name, day);
        if (r.next() >= b.afterReminderShare) continue;
        const word = attest ?? r.pick(b.words).replace('{name}', m.name);
        later(r.logNormal(b.delayMinutes.median / 2, b.delayMinutes.p90 / 2) * 60_000, () => say(acc, room, m.name, word));
      }
    }
  }

  function later(ms: number, fn: () => void): void {
    setTimeout(fn, Math.max(1000, Math.round(ms)));
  }

  /** A person says something in a room (through this epoch's ids). */
  function say(acc: AccountWorld, room: WorldRoom, who: string, text: string): void {
    if (!room.botIn || !room.members.some((m) => m.name === who)) return;
    const roomId = acc.roomIds.get(room.index);
    const contactId = acc.contactIds.get(who);
    if (!roomId || !contactId) return;
    stats.memberReplies++;
    if (!text.startsWith('#')) stats.replies.push({ topic: room.spec.topic, who, text, at: new Date() });
    acc.mocker.ContactMock.load(contactId).say(text).to(acc.mocker.RoomMock.load(roomId));
  }

  function at(t: string | Date, fn: () => void): void {
    const when = typeof t === 'string' ? resolveTime(s, t) : t;
    setTimeout(fn, Math.max(0, when.getTime() - Date.now()));
  }

  function publish(channelIndex: number, post: ScenarioPost, repeat: boolean): void {
    const channel = s.channels[channelIndex];
    const followers = channel.followedBy ?? s.accounts.map((a) => a.name);
    emit({ type: 'post_published', channel: channel.name, post, repeat, at: new Date() });
    if (post.urgent && s.admins.length) {
      // A bureau admin forwards it to one bot account and confirms with #发布 紧急.
      const acc = accounts.get(followers[0])!;
      const adminId = acc.contactIds.get(s.admins[0])!;
      pushMessage(acc, adminId, post);
      setTimeout(() => acc.mocker.ContactMock.load(adminId).say(typed('publish', list('commands.words.urgent')[0])).to(acc.mocker.ContactMock.load(acc.selfId)), 60_000);
      return;
    }
    for (const name of followers) {
      const acc = accounts.get(name)!;
      pushMessage(acc, acc.officialIds.get(channel.name)!, post);
    }
  }

  function pushMessage(acc: AccountWorld, fromId: string, post: ScenarioPost): void {
    const self = acc.mocker.ContactMock.load(acc.selfId);
    const from = acc.mocker.ContactMock.load(fromId);
    if (post.kind === 'article') {
      const id = `${acc.name}-m${Math.floor(rng.next() * 1e12).toString(36)}`;
      acc.puppet.urlPayloads.set(id, { title: post.title, description: post.summary, url: post.url ?? 'https://mp.weixin.qq.com/s/demo', thumbnailUrl: '' });
      acc.mocker.MessageMock.create({
        id,
        talkerId: fromId,
        listenerId: acc.selfId,
        timestamp: Date.now(),
        type: PUPPET.types.Message.Url,
        text: post.title,
      } as PUPPET.payloads.Message);
      acc.puppet.emit('message', { messageId: id });
    } else if (post.kind === 'text') {
      from.say(post.summary ? `${post.title}\n${post.summary}` : post.title).to(self);
    } else {
      const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
      const file = post.kind === 'image' ? FileBox.fromBase64(png, `${post.title}.png`) : FileBox.fromBase64('AAAAGGZ0eXBtcDQyAAAAAG1wNDJpc29t', `${post.title}.mp4`);
      from.say(file as never).to(self);
    }
  }

  function schedule(codes: Map<string, string>): void {
    // Registrations: work groups send the enrollment code; parent groups register their class and opt in.
    rooms.forEach((r, i) => {
      if (r.spec.registerAt === null) return;
      const when = r.spec.registerAt ?? new Date(new Date(s.start).getTime() + (5 + i) * 60_000);
      const acc = accounts.get(r.account)!;
      // What the narration shows: the enrollment code masked.
      const steps =
        r.spec.kind === 'work'
          ? [{ text: typed('enroll', codes.get(r.spec.unit) ?? '(no code)'), shown: typed('enroll', '****') }]
          : [typed('class', r.spec.class ?? ''), typed('auto_forward', list('commands.words.on')[0])].map((text) => ({ text, shown: text }));
      at(when, () => {
        steps.forEach(({ text, shown }, k) =>
          setTimeout(() => {
            emit({ type: 'registration', group: r.spec.topic, by: r.spec.by, text: shown, at: new Date() });
            say(acc, r, r.spec.by, text);
          }, k * 60_000),
        );
      });
    });
    for (const reg of s.registrations) {
      const r = rooms.find((x) => x.spec.topic === reg.group)!;
      at(reg.at, () => {
        const text = reg.text.replace('{code}', codes.get(r.spec.unit) ?? '').replace('{wrongCode}', 'ZZZZ-9999');
        if (!r.members.some((m) => m.name === reg.by)) r.members.push({ name: reg.by, never: false });
        emit({ type: 'registration', group: r.spec.topic, by: reg.by, text, at: new Date() });
        say(accounts.get(r.account)!, r, reg.by, text);
      });
    }
    s.channels.forEach((c, ci) =>
      c.posts.forEach((p) => {
        at(p.at, () => publish(ci, p, false));
        if (p.repeatAt) at(p.repeatAt, () => publish(ci, p, true));
      }),
    );
    for (const c of s.churn) {
      const r = rooms.find((x) => x.spec.topic === c.group)!;
      at(c.at, () => churn(r, c.join, c.leave));
    }
    for (const f of s.faults) {
      if (f.type === 'throttle') {
        at(f.at, () => {
          const acc = accounts.get(f.account)!;
          const until = new Date(Date.now() + f.minutes * 60_000);
          acc.throttledUntil = until;
          stats.throttles.push({ account: f.account, from: new Date(), until, refused: 0 });
          emit({ type: 'throttle_started', account: f.account, until, at: new Date() });
          at(until, () => emit({ type: 'throttle_ended', account: f.account, at: new Date() }));
        });
      } else if (f.type === 'remove') {
        at(f.at, () => removeBot(rooms.find((x) => x.spec.topic === f.group)!, f.by));
      } else {
        at(f.at, () => relogin(accounts.get(f.account)!));
      }
    }
  }

  function churn(r: WorldRoom, join: number, leave: number): void {
    const acc = accounts.get(r.account)!;
    const roomId = acc.roomIds.get(r.index);
    if (!roomId) return;
    const room = acc.mocker.RoomMock.load(roomId);
    const leavers = leave > 0 ? r.members.filter((m) => m.name !== r.spec.by).slice(-leave) : [];
    for (const m of leavers) {
      r.members.splice(r.members.indexOf(m), 1);
      const id = acc.contactIds.get(m.name);
      if (id) room.remove(acc.mocker.ContactMock.load(id)).by(acc.mocker.ContactMock.load(id));
    }
    for (let k = 0; k < join; k++) {
      const name = fakeName(rng, r.spec.kind, taken);
      r.members.push({ name, never: rng.next() < r.behaviour.neverShare });
      const id = `${acc.name}-e${acc.epoch}-j${r.index}-${name}`;
      acc.mocker.ContactMock.create(contactPayload(id, name));
      acc.contactIds.set(name, id);
      room.add(acc.mocker.ContactMock.load(id)).by(acc.mocker.ContactMock.load(acc.contactIds.get(r.spec.by)!));
    }
    emit({ type: 'churn', group: r.spec.topic, joined: join, left: leavers.length, at: new Date() });
  }

  function removeBot(r: WorldRoom, by?: string): void {
    const acc = accounts.get(r.account)!;
    const roomId = acc.roomIds.get(r.index);
    if (!roomId || !r.botIn) return;
    r.botIn = false;
    const remover = acc.contactIds.get(by ?? r.spec.by)!;
    acc.mocker.RoomMock.load(roomId).remove(acc.mocker.ContactMock.load(acc.selfId)).by(acc.mocker.ContactMock.load(remover));
    emit({ type: 'bot_removed', group: r.spec.topic, account: acc.name, at: new Date() });
  }

  /** Logs the account in; like wechat4u, `ready` follows once the contact list is loaded. */
  function logIn(acc: AccountWorld): void {
    acc.mocker.login(acc.mocker.ContactMock.load(acc.selfId));
    setTimeout(() => acc.puppet.emit('ready', { data: 'ready' }), 5_000);
  }

  /** A re-login: logout, then every room and contact gets a new id (as on wechat4u). */
  function relogin(acc: AccountWorld): void {
    const oldRooms = [...acc.roomIds.values()];
    void acc.puppet.logout('demo: re-login').then(() => {
      for (const id of oldRooms) acc.mocker.cacheRoomPayload.delete(id);
      acc.epoch++;
      populate(acc);
      logIn(acc);
      emit({ type: 'relogin', account: acc.name, at: new Date() });
    });
  }

  return {
    accounts,
    rooms,
    stats,
    puppets: () => [...accounts.values()].map((a) => ({ account: a.name, nickname: a.nickname, puppet: a.puppet })),
    login: () => {
      for (const acc of accounts.values()) logIn(acc);
    },
    schedule,
    onEvent: (fn) => void listeners.push(fn),
  };
}

export type { Rng };
