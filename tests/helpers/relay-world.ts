// A small world for relay tests: one school, bot accounts, registered groups, a source and posts,
// inserted in bulk; a recording fake ChatPort; and a fast-forward clock.
import type pg from 'pg';
import type { AppContext } from '../../bot/app.ts';
import type { ChatPort, Member, Outgoing, RoomInfo, SendCapabilities } from '../../bot/chat-types.ts';
import type { Clock } from '../../bot/clock.ts';
import { loadConfig } from '../../bot/config.ts';
import type { Db } from '../../bot/db/client.ts';
import type { Logger } from '../../bot/log.ts';
import { silentLogger } from '../../bot/log.ts';
import { loadRelaySettings, type RelaySettings } from '../../bot/relay/settings.ts';
import { contentSettings } from '../../bot/core/settings.ts';

export interface WorldGroup {
  id: number;
  kind: 'work' | 'parent' | 'source';
  accountId: number;
  roomId: string;
  topic: string;
}

export interface World {
  unitId: number;
  sourceId: number;
  accounts: { id: number; name: string }[];
  groups: WorldGroup[];
}

export interface GroupSpec {
  kind: 'work' | 'parent' | 'source';
  account: number; // index into accounts
  status?: 'active' | 'paused' | 'left' | 'ambiguous';
  autoForward?: boolean;
  settings?: unknown;
  roomId?: string | null;
  count?: number;
}

/** Inserts a school, accounts and groups; room ids are "room-<group id>" unless given. */
export async function seedWorld(pool: pg.Pool, accountNames: string[], specs: GroupSpec[]): Promise<World> {
  const unit = await pool.query<{ id: number }>("INSERT INTO org_unit (name, kind) VALUES ('示例小学', 'school') RETURNING id");
  const unitId = unit.rows[0].id;
  const accounts: World['accounts'] = [];
  for (const name of accountNames) {
    const r = await pool.query<{ id: number }>(
      "INSERT INTO bot_account (name, puppet, login_name) VALUES ($1, 'fake', '反诈助手') ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id",
      [name],
    );
    accounts.push({ id: r.rows[0].id, name });
  }
  const src = await pool.query<{ id: number }>(
    "INSERT INTO source (kind, scope, name, key) VALUES ('official', 'national', '国家反诈中心', 'official:国家反诈中心') ON CONFLICT (key) DO UPDATE SET name = EXCLUDED.name RETURNING id",
  );
  const groups: WorldGroup[] = [];
  for (const spec of specs) {
    const n = spec.count ?? 1;
    const { rows } = await pool.query<{ id: number; kind: WorldGroup['kind']; topic: string; bot_account_id: number }>(
      `INSERT INTO chat_group (kind, org_unit_id, class_name, bot_account_id, topic, status, auto_forward, registered_by, owner_key, member_count, settings)
       SELECT $1::"GroupKind", $2, NULL, $3, $4 || '-' || i, $5::"GroupStatus", $6, '王老师', 'k', 40, $7::jsonb FROM generate_series(1, $8) AS i
       RETURNING id, kind, topic, bot_account_id`,
      [spec.kind, unitId, accounts[spec.account].id, `${spec.kind}-${accounts[spec.account].name}-${groups.length}`, spec.status ?? 'active', spec.autoForward ?? true, JSON.stringify(spec.settings ?? {}), n],
    );
    for (const r of rows) {
      const roomId = spec.roomId === undefined ? `room-${r.id}` : spec.roomId;
      groups.push({ id: r.id, kind: r.kind, accountId: r.bot_account_id, roomId: roomId ?? '', topic: r.topic });
    }
    await pool.query("UPDATE chat_group SET room_id = CASE WHEN $2::boolean THEN NULL ELSE 'room-' || id END WHERE id = ANY($1::int[])", [rows.map((r) => r.id), spec.roomId === null]);
  }
  return { unitId, sourceId: src.rows[0].id, accounts, groups };
}

let postSeq = 0;

/** Inserts a post; returns its id and short code. */
export async function addPost(
  pool: pg.Pool,
  world: World,
  p: { title?: string; audience?: 'all' | 'work' | 'parent'; urgent?: boolean; kind?: string; url?: string | null; media?: unknown; capturedAt?: Date },
): Promise<{ id: number; code: string }> {
  postSeq++;
  const { rows } = await pool.query<{ id: number; code: string }>(
    `INSERT INTO post (source_id, kind, title, summary, url, media, canonical_key, audience, urgent, captured_at)
     VALUES ($1, $2::"PostKind", $3, '警惕刷单返利诈骗,凡是刷单都是诈骗。', $4, $5::jsonb, $6, $7::"Audience", $8, $9) RETURNING id, code`,
    [
      world.sourceId,
      p.kind ?? 'article',
      p.title ?? `反诈提醒 ${postSeq}`,
      p.url === undefined ? 'https://mp.weixin.qq.com/s/example' : p.url,
      JSON.stringify(p.media ?? []),
      `test:${process.pid}:${postSeq}:${Math.random()}`,
      p.audience ?? 'all',
      p.urgent ?? false,
      p.capturedAt ?? new Date(),
    ],
  );
  return rows[0];
}

export interface SentRecord {
  roomId: string;
  out: Outgoing;
  at: Date;
}

/** A ChatPort that records sends; `onSay` may throw or delay to simulate the puppet. */
export class RecordingChat implements ChatPort {
  sent: SentRecord[] = [];
  caps: SendCapabilities = { card: false, file: false, forward: false };
  members = 31; // includes the bot ("反诈助手")
  onSay?: (roomId: string, out: Outgoing, n: number) => void | Promise<void>;
  private n = 0;

  constructor(
    readonly accountName: string,
    private clock: Clock,
  ) {}

  capabilities(): SendCapabilities {
    return this.caps;
  }
  async sayToRoom(roomId: string, out: Outgoing): Promise<void> {
    this.n++;
    await this.onSay?.(roomId, out, this.n);
    this.sent.push({ roomId, out, at: this.clock.now() });
  }
  async sayToContact(contactId: string, out: Outgoing): Promise<void> {
    this.sent.push({ roomId: `contact:${contactId}`, out, at: this.clock.now() });
  }
  async roomMembers(roomId: string): Promise<Member[]> {
    return Array.from({ length: this.members }, (_, i) => ({ id: `${roomId}-m${i}`, name: i === 0 ? '反诈助手' : `家长${i}` }));
  }
  async rooms(): Promise<RoomInfo[]> {
    return [];
  }
  /** Texts sent to `roomId`. */
  textsTo(roomId: string): string[] {
    return this.sent.filter((s) => s.roomId === roomId && s.out.type === 'text').map((s) => (s.out as { text: string }).text);
  }
}

/** A clock that runs `speed` times faster than real time from `start` (sleep is scaled down). */
export function fastClock(start: Date | string, speed: number): Clock {
  const t0 = performance.now();
  const base = new Date(start).getTime();
  return {
    now: () => new Date(base + Math.round((performance.now() - t0) * speed)),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms / speed))),
  };
}

/** The relay settings of content/relay.yml with test overrides of `sending`. */
export function testSettings(sending: Partial<RelaySettings['sending']> = {}, rest: Partial<RelaySettings> = {}): RelaySettings {
  const s = loadRelaySettings();
  return { ...s, ...rest, sending: { ...s.sending, pollMs: 3_600_000, ...sending } };
}

/** An AppContext over a test database. */
export function testContext(db: Db & { ledgerSecret: string }, clock: Clock, log: Logger = silentLogger()): AppContext {
  return { db, clock, log, config: loadConfig({}), settings: contentSettings(), ledgerSecret: db.ledgerSecret };
}
