// Who is counted: the audience of a post in a group. In a class parent group the audience is the
// families — the bot, the group's owner (the homeroom teacher who registered it) and registered
// staff of the school (members of the school's registered work groups, and the unit's contact)
// are not. A work group served by the same bot account is read live (member ids); one served by
// another account is known by its recorded member keys (work_group_member, bot/registry/staff.ts),
// matched by display name. In a work group every member but the bot is staff, and all of them are the audience.
// The same function serves members at send (the relay), #未确认 and reminders, so the three
// agree. Names are read live and never stored: non-family members are recorded by member key
// (group_non_family), and their replies confirm nothing in that group.
import type pg from 'pg';
import type { ChatPort, Member } from '../chat-types.ts';
import type { Logger } from '../log.ts';
import { memberKey, ownerKey } from './member-key.ts';

/** What the audience of a group depends on. */
export interface AudienceGroup {
  id: number;
  kind: string;
  orgUnitId: number;
  ownerKey: string;
  roomId: string;
  botAccountId: number;
  /** The bot account's display name (to leave the bot out). */
  botName: string | null;
}

export interface Audience {
  /** The members who count (room order). */
  families: Member[];
  /** How many members count: families, one less when the bot could not be recognised by name. */
  count: number;
  /** The owner, when present in the room (parent groups). */
  owner: Member | undefined;
  /** The owner and school staff present (parent groups), not counted. */
  staff: Member[];
  /** How many of them (one less when an unrecognised bot was among them). */
  staffCount: number;
}

export interface AudienceDeps {
  pool: pg.Pool;
  secret: string;
  chat: ChatPort;
  log?: Logger;
  now: Date;
}

// Member ids of work-group rooms, per chat account, for a minute: a fan-out to a school's forty
// class groups reads its work group once, not forty times (member lists are expensive on wechat4u).
const STAFF_TTL_MS = 60_000;
const staffCache = new WeakMap<ChatPort, Map<string, { ids: Set<string>; until: number }>>();

async function roomMemberIds(chat: ChatPort, roomId: string, now: number): Promise<Set<string>> {
  let byRoom = staffCache.get(chat);
  if (!byRoom) staffCache.set(chat, (byRoom = new Map()));
  const hit = byRoom.get(roomId);
  if (hit && hit.until > now && hit.until - STAFF_TTL_MS <= now) return hit.ids;
  const ids = new Set((await chat.roomMembers(roomId)).map((m) => m.id));
  byRoom.set(roomId, { ids, until: now + STAFF_TTL_MS });
  return ids;
}

// The school's work-group rooms and contact, per chat account and unit, for the same minute (one
// database round trip per school and minute during a fan-out, not one per class group).
interface SchoolRow {
  group_id: number | null;
  bot_account_id: number | null;
  room_id: string | null;
  contact_name: string | null;
}
const schoolCache = new WeakMap<ChatPort, Map<string, { rows: SchoolRow[]; until: number }>>();

async function schoolRooms(deps: AudienceDeps, g: AudienceGroup): Promise<SchoolRow[]> {
  let byUnit = schoolCache.get(deps.chat);
  if (!byUnit) schoolCache.set(deps.chat, (byUnit = new Map()));
  const key = `${g.orgUnitId}:${g.botAccountId}`;
  const now = deps.now.getTime();
  const hit = byUnit.get(key);
  if (hit && hit.until > now && hit.until - STAFF_TTL_MS <= now) return hit.rows;
  const { rows } = await deps.pool.query<SchoolRow>(
    `SELECT g.id AS group_id, g.bot_account_id, g.room_id, u.contact_name
       FROM org_unit u LEFT JOIN chat_group g
         ON g.org_unit_id = u.id AND g.kind = 'work' AND g.status IN ('active', 'paused')
      WHERE u.id = $1`,
    [g.orgUnitId],
  );
  byUnit.set(key, { rows, until: now + STAFF_TTL_MS });
  return rows;
}

/** The names among `names` recorded as members of work groups `groupIds` (served by other accounts). */
async function recordedStaffNames(deps: AudienceDeps, groupIds: number[], names: string[]): Promise<Set<string>> {
  if (!groupIds.length || !names.length) return new Set();
  const pairs = groupIds.flatMap((id) => names.map((name) => ({ id, name, key: memberKey(deps.secret, id, name) })));
  const { rows } = await deps.pool.query<{ group_id: number; member_key: string }>(
    `SELECT m.group_id, m.member_key FROM work_group_member m
       JOIN unnest($1::int[], $2::text[]) AS w(group_id, member_key) ON m.group_id = w.group_id AND m.member_key = w.member_key`,
    [pairs.map((p) => p.id), pairs.map((p) => p.key)],
  );
  const hit = new Set(rows.map((r) => `${r.group_id}:${r.member_key}`));
  return new Set(pairs.filter((p) => hit.has(`${p.id}:${p.key}`)).map((p) => p.name));
}

/**
 * Who counts as staff for a parent group of `orgUnitId`: member ids of the school's work groups on
 * this account, the work groups the school has on other accounts, and the contact's name.
 */
async function schoolStaff(deps: AudienceDeps, g: AudienceGroup): Promise<{ ids: Set<string>; elsewhere: number[]; contactName: string | null }> {
  const rows = await schoolRooms(deps, g);
  const ids = new Set<string>();
  const elsewhere: number[] = [];
  for (const r of rows) {
    if (r.group_id !== null && r.bot_account_id !== g.botAccountId) elsewhere.push(r.group_id);
    if (!r.room_id || r.bot_account_id !== g.botAccountId) continue;
    try {
      for (const id of await roomMemberIds(deps.chat, r.room_id, deps.now.getTime())) ids.add(id);
    } catch (err) {
      deps.log?.warn({ group: g.id, err: { message: (err as Error).message } }, 'cannot read a work group to tell staff from families; its members count as families');
    }
  }
  return { ids, elsewhere, contactName: rows[0]?.contact_name ?? null };
}

/**
 * Splits the given live members of a group into the audience and the rest (see the file comment),
 * and records the non-family members' keys so that their replies confirm nothing there.
 */
export async function audienceOf(deps: AudienceDeps, g: AudienceGroup, members: Member[]): Promise<Audience> {
  const selfId = deps.chat.selfId?.();
  const isBot = (m: Member) => m.id === selfId || (g.botName !== null && m.name === g.botName);
  const others = members.filter((m) => !isBot(m));
  // The bot not recognised (no session id, no login name): one member fewer than listed.
  const botMissing = others.length === members.length && members.length > 0;
  if (g.kind !== 'parent') {
    return { families: others, count: Math.max(0, others.length - (botMissing ? 1 : 0)), owner: undefined, staff: [], staffCount: 0 };
  }
  const staffOf = await schoolStaff(deps, g);
  const staffElsewhere = await recordedStaffNames(deps, staffOf.elsewhere, [...new Set(others.filter((m) => !staffOf.ids.has(m.id)).map((m) => m.name))]);
  const families: Member[] = [];
  const staff: Member[] = [];
  let owner: Member | undefined;
  const roles = new Map<string, string>();
  for (const m of others) {
    const key = memberKey(deps.secret, g.id, m.name);
    if (ownerKey(deps.secret, g.id, m.name) === g.ownerKey) {
      owner = m;
      staff.push(m);
      roles.set(key, 'owner');
    } else if (staffOf.ids.has(m.id) || staffElsewhere.has(m.name) || (staffOf.contactName !== null && m.name === staffOf.contactName)) {
      staff.push(m);
      roles.set(key, 'staff');
    } else families.push(m);
  }
  if (roles.size) {
    await deps.pool.query(
      `INSERT INTO group_non_family (group_id, member_key, role, seen_at)
       SELECT $1, k, r, $4 FROM unnest($2::text[], $3::text[]) AS t(k, r)
       ON CONFLICT (group_id, member_key) DO UPDATE SET role = EXCLUDED.role, seen_at = EXCLUDED.seen_at`,
      [g.id, [...roles.keys()], [...roles.values()], deps.now],
    );
  }
  // An unrecognised bot is in the school's work group too, so it was set apart with the staff.
  const botAmongStaff = botMissing && staffOf.ids.size > 0;
  return {
    families,
    count: Math.max(0, families.length - (botMissing && !botAmongStaff ? 1 : 0)),
    owner,
    staff,
    staffCount: Math.max(0, staff.length - (botAmongStaff ? 1 : 0)),
  };
}

/** Reads the room's members live and returns its audience (see audienceOf). */
export async function readAudience(deps: AudienceDeps, g: AudienceGroup): Promise<Audience> {
  return audienceOf(deps, g, await deps.chat.roomMembers(g.roomId));
}
