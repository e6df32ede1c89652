// A small multi-county world for ledger tests: org units, one bot account, registered groups,
// posts and sent deliveries, written with plain SQL. Also a recording ChatPort.
import type pg from 'pg';
import type { Account, AppContext } from '../../bot/app.ts';
import type { ChatPort, Member, Outgoing, RoomInfo } from '../../bot/chat-types.ts';
import { fixedClock } from '../../bot/clock.ts';
import type { Logger } from '../../bot/log.ts';
import { ownerKey } from '../../bot/ledger/member-key.ts';
import type { TestDb } from './db.ts';
import { contentSettings } from '../../bot/core/settings.ts';

export const REF_TIME = '2026-03-02T12:00:00+08:00'; // a Monday

export async function unit(pool: pg.Pool, name: string, kind: string, parentId: number | null, countyId: number | null): Promise<number> {
  const { rows } = await pool.query<{ id: number }>(
    `INSERT INTO org_unit (name, kind, parent_id, county_id, sample) VALUES ($1, $2, $3, $4, true) RETURNING id`,
    [name, kind, parentId, countyId],
  );
  if (kind === 'county') await pool.query('UPDATE org_unit SET county_id = id WHERE id = $1', [rows[0].id]);
  return rows[0].id;
}

export async function account(pool: pg.Pool, name = 'relay-1', loginName = '反诈助手'): Promise<number> {
  const { rows } = await pool.query<{ id: number }>(
    `INSERT INTO bot_account (name, puppet, login_state, login_name) VALUES ($1, 'wechaty-puppet-mock', 'logged_in', $2) RETURNING id`,
    [name, loginName],
  );
  return rows[0].id;
}

export async function group(
  pool: pg.Pool,
  secret: string,
  g: { kind: 'work' | 'parent'; unitId: number; accountId: number; topic: string; roomId: string; owner: string; members?: number; status?: string },
): Promise<number> {
  const { rows } = await pool.query<{ id: number }>(
    `INSERT INTO chat_group (kind, org_unit_id, bot_account_id, topic, room_id, status, registered_by, owner_key, member_count)
     VALUES ($1, $2, $3, $4, $5, $6::"GroupStatus", $7, '', $8) RETURNING id`,
    [g.kind, g.unitId, g.accountId, g.topic, g.roomId, g.status ?? 'active', g.owner, g.members ?? 0],
  );
  const id = rows[0].id;
  await pool.query('UPDATE chat_group SET owner_key = $2 WHERE id = $1', [id, ownerKey(secret, id, g.owner)]);
  return id;
}

let sourceId: number | undefined;
export async function post(
  pool: pg.Pool,
  p: { title: string; kind?: string; confirmWords?: string[]; capturedAt?: Date; audience?: string },
): Promise<{ id: number; code: string }> {
  if (!sourceId) {
    const s = await pool.query<{ id: number }>(
      `INSERT INTO source (kind, scope, name, key) VALUES ('official', 'national', '国家反诈中心', 'official:国家反诈中心')
       ON CONFLICT (key) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
    );
    sourceId = s.rows[0].id;
  }
  const { rows } = await pool.query<{ id: number; code: string }>(
    `INSERT INTO post (source_id, kind, title, canonical_key, confirm_words, captured_at, audience)
     VALUES ($1, $2, $3, $4, $5, $6, $7::"Audience") RETURNING id, code`,
    [sourceId, p.kind ?? 'article', p.title, `test:${p.title}:${Math.random()}`, p.confirmWords ?? [], p.capturedAt ?? new Date(REF_TIME), p.audience ?? 'all'],
  );
  return rows[0];
}

export async function deliver(
  pool: pg.Pool,
  d: { postId: number; groupId: number; accountId: number; sentAt: Date; members: number; status?: string },
): Promise<void> {
  await pool.query(
    `INSERT INTO delivery (post_id, group_id, bot_account_id, status, due_at, sent_at, members_at_send)
     VALUES ($1, $2, $3, $4::"DeliveryStatus", $5, $5, $6)`,
    [d.postId, d.groupId, d.accountId, d.status ?? 'sent', d.sentAt, d.members],
  );
}

/** A ChatPort that records what was said and serves room members from a map. */
export function recordingChat(accountName = 'relay-1') {
  const said: { to: string; room: boolean; text: string }[] = [];
  const members = new Map<string, Member[]>();
  const failContacts = new Set<string>();
  const chat: ChatPort = {
    accountName,
    capabilities: () => ({ card: false, file: true, forward: true }),
    async sayToRoom(roomId: string, out: Outgoing) {
      said.push({ to: roomId, room: true, text: out.type === 'text' ? out.text : JSON.stringify(out) });
    },
    async sayToContact(contactId: string, out: Outgoing) {
      if (failContacts.has(contactId)) throw new Error('not a friend');
      said.push({ to: contactId, room: false, text: out.type === 'text' ? out.text : JSON.stringify(out) });
    },
    async roomMembers(roomId: string) {
      return members.get(roomId) ?? [];
    },
    async room(roomId: string) {
      return members.has(roomId) ? { roomId, topic: roomId, memberCount: members.get(roomId)!.length } : undefined;
    },
    async rooms(): Promise<RoomInfo[]> {
      return [...members.keys()].map((roomId) => ({ roomId, topic: roomId, memberCount: members.get(roomId)!.length }));
    },
  };
  return { chat, said, members, failContacts };
}

export function appContext(db: TestDb, log: Logger, at = REF_TIME): AppContext & { clock: ReturnType<typeof fixedClock> } {
  return {
    db: { prisma: db.prisma, pool: db.pool, url: db.url, close: db.close },
    clock: fixedClock(at),
    log,
    config: {
      dataDir: '/tmp',
      puppet: 'wechaty-puppet-mock',
      botName: 'relay-1',
      httpPort: 0,
      httpHost: '127.0.0.1',
      timeZone: 'Asia/Shanghai',
      logLevel: 'debug',
    },
    settings: contentSettings(),
    ledgerSecret: db.ledgerSecret,
  };
}

export function makeAccount(id: number, chat: ChatPort): Account {
  return { id, name: chat.accountName, chat };
}
