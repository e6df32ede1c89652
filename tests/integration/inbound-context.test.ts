// One InboundContext per message: the pipeline of npm start (commands, source capture, activity
// inbox, relay reconciler, registry, confirmations) looks a room's registration up at most once per
// message, and never for chatter: the cheap tests (self-sent, kind, "a command?", "a link?") come
// first. Counted at the lookup itself (registry/groups.ts groupForRoom).
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Account, AppContext } from '../../bot/app.ts';
import { createPipeline } from '../../bot/app.ts';
import type { GroupMessage } from '../../bot/chat-types.ts';
import { createCommandHandler } from '../../bot/commands/registry.ts';
import { createConfirmations } from '../../bot/ledger/confirm.ts';
import * as groups from '../../bot/registry/groups.ts';
import { createRegistryHandler } from '../../bot/registry/groups.ts';
import { relayReconciler } from '../../bot/relay/reconcile.ts';
import { createActivityInbox } from '../../bot/reports/activity-inbox.ts';
import { createSourceCapture } from '../../bot/sources/inbound.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';
import { account, appContext, group, makeAccount, recordingChat, unit } from '../helpers/ledger-fixture.ts';
import { captureLog } from '../helpers/log.ts';

vi.mock('../../bot/registry/groups.ts', async (load) => {
  const real = await load<typeof import('../../bot/registry/groups.ts')>();
  return { ...real, groupForRoom: vi.fn(real.groupForRoom) };
});
const lookups = vi.mocked(groups.groupForRoom);

let db: TestDb;
let ctx: AppContext;
let acc: Account;
let pipeline: ReturnType<typeof createPipeline>;
let confirmations: ReturnType<typeof createConfirmations>;
let inbox: ReturnType<typeof createActivityInbox>;
let rec: ReturnType<typeof recordingChat>;
const captured: string[] = [];

beforeAll(async () => {
  db = await freshDb();
  ctx = appContext(db, captureLog('warn').log);
  const city = await unit(db.pool, '钦州市教育局', 'city', null, null);
  const county = await unit(db.pool, '钦南区教育局', 'county', city, null);
  const school = await unit(db.pool, '城东小学', 'school', county, county);
  const accountId = await account(db.pool);
  rec = recordingChat();
  acc = makeAccount(accountId, rec.chat);
  await group(db.pool, db.ledgerSecret, { kind: 'work', unitId: school, accountId, topic: '城东小学工作群', roomId: 'room-work', owner: '周主任' });
  await group(db.pool, db.ledgerSecret, { kind: 'parent', unitId: school, accountId, topic: '一年级1班家长群', roomId: 'room-class', owner: '钱老师' });
  await db.prisma.chatGroup.create({ data: { kind: 'source', orgUnitId: city, botAccountId: accountId, topic: '市局宣传来源群', roomId: 'room-source', registeredBy: '陈科长', ownerKey: 'x' } });
  const sources = { channels: [], feeds: [], admins: ['陈科长'], pollMinutes: 30 };
  confirmations = createConfirmations(ctx, { flushMs: 60_000 });
  inbox = createActivityInbox(ctx);
  pipeline = createPipeline([
    createCommandHandler(ctx, { sources: { config: sources, onPostCaptured: (p) => void captured.push(p.code) }, activities: inbox.services }),
    createSourceCapture(ctx, { config: sources, onPostCaptured: (p) => void captured.push(p.code) }),
    inbox.handler,
    relayReconciler(ctx),
    createRegistryHandler(ctx),
    confirmations,
  ], ctx);
});
afterAll(async () => {
  inbox.stop();
  await confirmations.stop();
  await db.drop();
});
beforeEach(() => {
  lookups.mockClear(); // (a block: a function returned from beforeEach would run as its cleanup)
});

let seq = 0;
function says(roomId: string, topic: string, senderName: string, text: string, over: Partial<GroupMessage> = {}): Promise<void> {
  const msg: GroupMessage = {
    messageId: `m${++seq}`, roomId, topic, senderId: `wx-${senderName}`, senderName, senderIsBot: false, self: false,
    kind: 'text', text, at: ctx.clock.now(), ...over,
  };
  return pipeline.group(msg, acc);
}

describe('one InboundContext per message', () => {
  it('chatter and confirmations cost no registration lookup', async () => {
    await says('room-class', '一年级1班家长群', '王妈妈', '大家好,明天几点放学?');
    await says('room-class', '一年级1班家长群', '王妈妈', '收到');
    await says('room-work', '城东小学工作群', '吴老师', '好的');
    expect(lookups).toHaveBeenCalledTimes(0);
  });

  it('a command looks the registration up once, and the reply uses it', async () => {
    const before = rec.said.length;
    await says('room-class', '一年级1班家长群', '王妈妈', '#状态');
    expect(lookups).toHaveBeenCalledTimes(1);
    expect(rec.said.slice(before).map((s) => s.text).join('\n')).toMatch(/本群:城东小学[\s\S]*登记人:钱老师/);
  });

  it('a link in the source group is captured with one lookup; a link in a class group is not captured', async () => {
    await says('room-source', '市局宣传来源群', '陈科长', '请转发:警惕刷单返利 https://example.org/fraud-1');
    expect(lookups).toHaveBeenCalledTimes(1);
    expect(captured).toHaveLength(1);
    lookups.mockClear();
    await says('room-class', '一年级1班家长群', '王妈妈', '看看这个 https://example.org/other');
    expect(lookups).toHaveBeenCalledTimes(1);
    expect(captured).toHaveLength(1);
  });

  it('a picture in a work group is looked at by source capture and the activity inbox: one lookup for both', async () => {
    const file = { load: async () => ({ name: 'a.jpg', bytes: Buffer.from('jpeg') }) };
    await says('room-work', '城东小学工作群', '吴老师', '', { kind: 'image', file });
    expect(lookups).toHaveBeenCalledTimes(1);
  });
});
