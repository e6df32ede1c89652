// The production puppet path, offline (issue 13): real deployments run wechaty-puppet-service
// against a provider (padlocal, WorkPro) with a token. Here the provider is the puppet service's own
// server (PuppetServer) over the mock puppet, on 127.0.0.1 without TLS; the bot is `npm start`'s
// bot/main.ts in its own process with WECHATY_PUPPET=wechaty-puppet-service and the token and
// endpoint from the environment. Registration, a relayed post (as a card, since the service can send
// cards, plus the line with its code) and a confirmation go through the gRPC connection.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { types } from 'wechaty';
import { PuppetMock, mock } from 'wechaty-puppet-mock';
import { freePort } from '../../bot/db/embedded.ts';
import { articlePushXml } from '../helpers/chat-fixture.ts';
import { freshDb, importOrgCodes, type TestDb } from '../helpers/db.ts';

const ORG = `county,name,kind,parent
,钦州市教育局,city,
钦南区,钦南区教育局,county,钦州市教育局
钦南区,城东小学,school,钦南区教育局
`;
// Always open, never quiet: the relay sends at once whatever the time of the test run.
const ALWAYS = { windows: [{ days: 'daily', from: '00:00', to: '23:59' }], quiet: { from: '00:00', to: '00:00' } };

let db: TestDb;
let codes: Record<string, string>;
let dir: string;
/** wechaty-puppet-service's server, typed here: its own typings re-declare util.promisify for everyone. */
interface PuppetServerLike {
  start(): Promise<void>;
  stop(): Promise<void>;
}
type PuppetServerClass = new (o: { endpoint: string; puppet: unknown; token: string; tls?: { disable?: boolean } }) => PuppetServerLike;
let server: PuppetServerLike;
let bot: ChildProcess | undefined;
let out = '';
const mocker = new mock.Mocker();
const puppet = new PuppetMock({ mocker });
const cardsSent: { conversationId: string; title: string }[] = [];
const rooms = new Map<string, ReturnType<typeof mocker.createRoom>>();

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, ms = 90_000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; bot output:\n${out.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  db = await freshDb();
  codes = await importOrgCodes(db, ORG);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'puppet-service-'));
  // Trap of the mock (see tests/helpers/chat-fixture.ts): room ids looked up as contacts.
  const contactRawPayload = puppet.contactRawPayload.bind(puppet);
  puppet.contactRawPayload = async (id: string) => (id.endsWith('@chatroom') ? ({ id, name: '', type: types.Contact.Unknown } as never) : contactRawPayload(id));
  // The mock drops cards silently: record what reached the provider.
  const sendUrl = puppet.messageSendUrl.bind(puppet);
  puppet.messageSendUrl = async (conversationId: string, payload: { title: string }) => {
    cardsSent.push({ conversationId, title: payload.title });
    return sendUrl(conversationId, payload as never);
  };
  const port = await freePort();
  const token = `insecure_${crypto.randomUUID()}`;
  const serviceModule = 'wechaty-puppet-service';
  const { PuppetServer } = (await import(serviceModule)) as { PuppetServer: PuppetServerClass };
  server = new PuppetServer({ endpoint: `127.0.0.1:${port}`, puppet, token, tls: { disable: true } });
  await server.start();
  bot = spawn('node', ['--import', 'tsx', 'bot/main.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      LEDGER_SECRET: db.ledgerSecret,
      DATA_DIR: dir,
      HTTP_PORT: '0',
      LOG_LEVEL: 'info',
      WECHATY_NAME: 'relay-svc',
      WECHATY_PUPPET: 'wechaty-puppet-service',
      WECHATY_PUPPET_SERVICE_TOKEN: token,
      WECHATY_PUPPET_SERVICE_ENDPOINT: `127.0.0.1:${port}`,
      WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  bot.stdout!.on('data', (d) => (out += d));
  bot.stderr!.on('data', (d) => (out += d));
}, 120_000);

afterAll(async () => {
  if (bot && bot.exitCode === null) {
    const exited = new Promise((r) => bot!.once('exit', r));
    bot.kill('SIGINT');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
    if (bot.exitCode === null) bot.kill('SIGKILL');
  }
  await server?.stop().catch(() => undefined);
  await db?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const botContact = mocker.createContact({ name: '反诈宣传转发助手' });
const people = new Map<string, ReturnType<typeof mocker.createContact>>();
const person = (name: string) => {
  if (!people.has(name)) people.set(name, mocker.createContact({ name, type: types.Contact.Individual }));
  return people.get(name)!;
};
/** Texts the bot sent into a conversation (as the provider saw them). */
const sent = (id: string) => [...mocker.cacheMessagePayload.values()].filter((m) => m.talkerId === botContact.id && (m.roomId === id || m.listenerId === id)).map((m) => m.text ?? '');

async function says(name: string, room: { id: string }, text: string, expectReply: RegExp): Promise<string> {
  const before = sent(room.id).length;
  person(name).say(text).to(room as never);
  return until(`a reply to "${text}"`, () => sent(room.id).slice(before).find((t) => expectReply.test(t)));
}

describe('the bot on wechaty-puppet-service (PuppetServer over the mock puppet, no TLS)', () => {
  it('logs in through the service', async () => {
    await until('the bot to connect and start the provider puppet', () => puppet.state.active());
    mocker.login(botContact);
    await until('the login in the bot log', () => /logged in to WeChat/.test(out));
    expect(out).toContain('wechaty-puppet-service');
  }, 180_000);

  it('registers a work group and a class group by chat commands', async () => {
    const work = mocker.createRoom({ topic: '城东小学教师工作群', memberIdList: [botContact.id, person('张老师').id, person('李老师').id] });
    expect(await says('张老师', work, `#登记 ${codes['城东小学']}`, /登记成功|登记/)).toContain('登记成功');
    const parent = mocker.createRoom({ topic: '城东小学三年级1班家长群', memberIdList: [botContact.id, person('李老师').id, person('王妈妈').id, person('赵爸爸').id] });
    expect(await says('李老师', parent, '#班级 三年级1班', /登记/)).toContain('登记成功');
    expect(await says('李老师', parent, '#自动转发 开', /自动转发/)).toContain('已开启自动转发');
    rooms.set('parent', parent);
    const groups = await db.prisma.chatGroup.findMany({ orderBy: { id: 'asc' } });
    expect(groups.map((g) => [g.kind, g.topic, g.roomId])).toEqual([
      ['work', '城东小学教师工作群', work.id],
      ['parent', '城东小学三年级1班家长群', parent.id],
    ]);
    await db.pool.query('UPDATE chat_group SET settings = $1', [JSON.stringify(ALWAYS)]);
  }, 120_000);

  it('captures an official-account push, relays it as a card plus its code, and counts a confirmation', async () => {
    const official = mocker.createContact({ name: '国家反诈中心', type: types.Contact.Official });
    const msg = mocker.MessageMock.create({
      id: crypto.randomUUID(),
      timestamp: Date.now(),
      talkerId: official.id,
      listenerId: botContact.id,
      type: types.Message.Url,
      text: articlePushXml('国家反诈中心', [{ title: '警惕冒充老师收费诈骗', url: 'https://mp.weixin.qq.com/s?__biz=MzA5&mid=2650000001&idx=1&sn=abc', digest: '开学季' }]),
    } as never);
    puppet.emit('message', { messageId: msg.id });
    const post = await until('the post', () => db.prisma.post.findFirst({ where: { title: '警惕冒充老师收费诈骗' } }));
    const parent = await db.prisma.chatGroup.findFirstOrThrow({ where: { kind: 'parent' } });
    // The card goes to the provider, then the line with the code as text.
    await until('the relayed code in the parent group', () => sent(parent.roomId!).some((t) => t.includes(post.code)));
    expect(cardsSent.filter((c) => c.conversationId === parent.roomId)).toEqual([{ conversationId: parent.roomId, title: '警惕冒充老师收费诈骗' }]);
    const d = await until('the delivery marked sent', () => db.prisma.delivery.findFirst({ where: { postId: post.id, groupId: parent.id, status: 'sent' } }));
    expect(d.rendering).toMatch(/card/);

    person('王妈妈').say('收到').to(rooms.get('parent')!);
    await until('the confirmation in the ledger', async () => (await db.prisma.confirmation.count({ where: { postId: post.id, groupId: parent.id } })) === 1);
    expect(out).not.toMatch(/"level":50/);
  }, 180_000);
});
