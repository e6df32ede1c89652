// After a login every room id is new (wechat4u): each registered group is given the one room of
// this session with its recorded topic. Only rooms of the current session count (ChatPort.rooms()
// leaves out the stale rooms wechat4u keeps from earlier logins). A group whose recorded room is
// still live (a restart that kept the session) keeps it without any topic matching.
import type { Account, AppContext } from '../app.ts';
import type { RoomInfo } from '../chat-types.ts';
import type { ChatGroup } from '../db/client.ts';
import { t } from '../i18n.ts';
import type pg from 'pg';

export interface RematchResult {
  matched: number;
  /** Kept their recorded room (it is live in this session). */
  kept: number;
  ambiguous: { group: number; topic: string; reason: string }[];
}

/**
 * Re-matches the account's registered groups to `rooms` (the live rooms of this session). No
 * room, several rooms with the topic, or several groups wanting one room: the group becomes
 * `ambiguous` (never guessed); with several rooms its owner and the unit's contact are told
 * privately what to do (once, when it becomes ambiguous).
 */
export async function rematchRooms(ctx: AppContext, account: Account, rooms: RoomInfo[], at: Date): Promise<RematchResult> {
  const prisma = ctx.db.prisma;
  const log = ctx.log.child({ name: 'registry', account: account.name });
  const groups = await prisma.chatGroup.findMany({
    where: { botAccountId: account.id, status: { in: ['active', 'paused', 'ambiguous'] } },
    orderBy: { id: 'asc' },
  });
  const result: RematchResult = { matched: 0, kept: 0, ambiguous: [] };
  if (rooms.length === 0 && groups.length > 0) {
    // A logged-in account in no room at all means the contact list has not loaded: keep the
    // records as they are rather than marking every group ambiguous.
    log.warn({ groups: groups.length }, 'no rooms known after login; groups are re-matched at the next login');
    return result;
  }
  // Decided in memory, written in one transaction of two statements (an account in a few hundred
  // groups: one transaction per group took minutes at login).
  const changes: GroupChange[] = [];
  const audits: AuditRow[] = [];
  const tell: { g: ChatGroup; candidates: RoomInfo[] }[] = [];
  const live = new Map(rooms.map((r) => [r.roomId, r]));
  const taken = new Set<string>();
  const rest: ChatGroup[] = [];
  for (const g of groups) {
    const room = g.roomId ? live.get(g.roomId) : undefined;
    if (!room || taken.has(room.roomId)) {
      rest.push(g);
      continue;
    }
    taken.add(room.roomId);
    result.kept++;
    if (g.topic !== room.topic || g.memberCount !== room.memberCount) {
      changes.push({ id: g.id, roomId: g.roomId, status: g.status, reason: g.statusReason, memberCount: room.memberCount, topic: room.topic, statusBefore: null });
      if (g.topic !== room.topic) audits.push({ action: 'group.topic_changed', groupId: g.id, orgUnitId: g.orgUnitId, detail: { from: g.topic, to: room.topic } });
    }
  }
  const byTopic = new Map<string, RoomInfo[]>();
  for (const r of rooms) if (!taken.has(r.roomId)) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r]);
  const wanted = new Map<string, number>();
  for (const g of rest) wanted.set(g.topic, (wanted.get(g.topic) ?? 0) + 1);
  for (const g of rest) {
    const candidates = byTopic.get(g.topic) ?? [];
    let reason: string | undefined;
    if (candidates.length === 0) reason = 'no room has this topic';
    else if (candidates.length > 1) reason = `${candidates.length} rooms have this topic`;
    else if ((wanted.get(g.topic) ?? 0) > 1) reason = `${wanted.get(g.topic)} registered groups have this topic`;
    const settings = (g.settings ?? {}) as Record<string, unknown>;
    if (reason) {
      result.ambiguous.push({ group: g.id, topic: g.topic, reason });
      if (g.status === 'ambiguous' && g.statusReason === reason && g.roomId === null) continue;
      // (the status to go back to once re-registered: kept from the first time it became ambiguous)
      changes.push({ id: g.id, roomId: null, status: 'ambiguous', reason, memberCount: g.memberCount, topic: g.topic, statusBefore: g.status === 'ambiguous' ? null : g.status });
      audits.push({ action: 'group.ambiguous', groupId: g.id, orgUnitId: g.orgUnitId, detail: { topic: g.topic, reason } });
      log.warn({ group: g.id, topic: g.topic, reason }, 'a registered group cannot be matched to one room; it stays ambiguous until re-registered there');
      if (candidates.length > 1) tell.push({ g, candidates });
      continue;
    }
    const room = candidates[0];
    const status = g.status === 'ambiguous' ? ((settings.statusBefore as 'active' | 'paused' | undefined) ?? 'active') : g.status;
    changes.push({ id: g.id, roomId: room.roomId, status, reason: null, memberCount: room.memberCount, topic: g.topic, statusBefore: null });
    audits.push({ action: 'group.rematched', groupId: g.id, orgUnitId: g.orgUnitId, detail: { topic: g.topic } });
    result.matched++;
  }
  await applyRematch(ctx.db.pool, changes, audits, at);
  for (const { g, candidates } of tell) await tellAmbiguous(ctx, account, g, candidates);
  return result;
}

/** A group's row after the re-match (statusBefore: recorded in settings when not null). */
interface GroupChange {
  id: number;
  roomId: string | null;
  status: string;
  reason: string | null;
  memberCount: number;
  topic: string;
  statusBefore: string | null;
}

interface AuditRow {
  action: string;
  groupId: number;
  orgUnitId: number;
  detail: Record<string, unknown>;
}

/** Writes the re-match in one transaction: one UPDATE of every changed group, one INSERT of the audit events. */
export async function applyRematch(pool: pg.Pool, changes: GroupChange[], audits: AuditRow[], at: Date): Promise<void> {
  if (!changes.length && !audits.length) return;
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    await c.query(
      `UPDATE chat_group g
          SET room_id = v.room_id, status = v.status::"GroupStatus", status_reason = v.reason,
              member_count = v.member_count, topic = v.topic, updated_at = now(),
              settings = CASE WHEN v.status_before IS NULL THEN g.settings
                              ELSE g.settings || jsonb_build_object('statusBefore', v.status_before) END
         FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[])
              AS v(id, room_id, status, reason, member_count, topic, status_before)
        WHERE g.id = v.id`,
      [
        changes.map((x) => x.id), changes.map((x) => x.roomId), changes.map((x) => x.status), changes.map((x) => x.reason),
        changes.map((x) => x.memberCount), changes.map((x) => x.topic), changes.map((x) => x.statusBefore),
      ],
    );
    await c.query(
      `INSERT INTO audit_event (actor, action, group_id, org_unit_id, detail, at)
       SELECT 'wechat', a.action, a.group_id, a.org_unit_id, a.detail::jsonb, $5
         FROM unnest($1::text[], $2::int[], $3::int[], $4::text[]) AS a(action, group_id, org_unit_id, detail)`,
      [audits.map((a) => a.action), audits.map((a) => a.groupId), audits.map((a) => a.orgUnitId), audits.map((a) => JSON.stringify(a.detail)), at],
    );
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}

/**
 * Tells the group's owner (who registered it) and its unit's contact, in private, that the bot
 * cannot tell which of several rooms is theirs and how to fix it. They are found by name among
 * the members of the candidate rooms and of the unit's work groups on this account.
 */
async function tellAmbiguous(ctx: AppContext, account: Account, g: ChatGroup, candidates: RoomInfo[]): Promise<void> {
  const log = ctx.log.child({ name: 'registry', account: account.name, group: g.id });
  const unit = await ctx.db.prisma.orgUnit.findUnique({ where: { id: g.orgUnitId } });
  const works = await ctx.db.prisma.chatGroup.findMany({
    where: { botAccountId: account.id, orgUnitId: g.orgUnitId, kind: 'work', status: 'active', roomId: { not: null } },
  });
  const names = [...new Set([g.registeredBy, unit?.contactName].filter((n): n is string => !!n))];
  const found = new Map<string, string>();
  for (const roomId of [...candidates.map((c) => c.roomId), ...works.map((w) => w.roomId!)]) {
    if (found.size === names.length) break;
    const members = await account.chat.roomMembers(roomId).catch(() => []);
    for (const m of members) if (names.includes(m.name) && !found.has(m.name)) found.set(m.name, m.id);
  }
  const command = g.kind === 'parent' && g.className ? t('registry.ambiguous_command.class', { class: g.className }) : t(`registry.ambiguous_command.${g.kind}`);
  const text = t('registry.ambiguous_private', { topic: g.topic, rooms: candidates.length, command });
  for (const name of names) {
    const id = found.get(name);
    if (!id) {
      log.warn({ who: name }, 'cannot tell about the ambiguous group privately: not found in its rooms or the unit work groups');
      continue;
    }
    try {
      await account.chat.sayToContact(id, { type: 'text', text });
    } catch (err) {
      log.warn({ who: name, err: (err as Error).message }, 'could not tell about the ambiguous group privately');
    }
  }
}
