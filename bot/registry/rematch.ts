// After a login every room id is new (wechat4u): each registered group is given the one room of
// this session with its recorded topic. Only rooms of the current session count (ChatPort.rooms()
// leaves out the stale rooms wechat4u keeps from earlier logins). A group whose recorded room is
// still live (a restart that kept the session) keeps it without any topic matching.
import type { Account, AppContext } from '../app.ts';
import type { RoomInfo } from '../chat-types.ts';
import type { ChatGroup } from '../db/client.ts';
import { t } from '../i18n.ts';
import { audit } from './audit.ts';

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
      await prisma.$transaction(async (tx) => {
        await tx.chatGroup.update({ where: { id: g.id }, data: { topic: room.topic, memberCount: room.memberCount } });
        if (g.topic !== room.topic) {
          await audit(tx, { actor: 'wechat', action: 'group.topic_changed', groupId: g.id, orgUnitId: g.orgUnitId, at, detail: { from: g.topic, to: room.topic } });
        }
      });
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
      await prisma.$transaction(async (tx) => {
        await tx.chatGroup.update({
          where: { id: g.id },
          data: {
            status: 'ambiguous',
            statusReason: reason,
            roomId: null,
            settings: { ...settings, statusBefore: g.status === 'ambiguous' ? settings.statusBefore : g.status } as never,
          },
        });
        await audit(tx, { actor: 'wechat', action: 'group.ambiguous', groupId: g.id, orgUnitId: g.orgUnitId, at, detail: { topic: g.topic, reason } });
      });
      log.warn({ group: g.id, topic: g.topic, reason }, 'a registered group cannot be matched to one room; it stays ambiguous until re-registered there');
      if (candidates.length > 1) await tellAmbiguous(ctx, account, g, candidates);
      continue;
    }
    const room = candidates[0];
    const status = g.status === 'ambiguous' ? ((settings.statusBefore as 'active' | 'paused' | undefined) ?? 'active') : g.status;
    await prisma.$transaction(async (tx) => {
      await tx.chatGroup.update({
        where: { id: g.id },
        data: { roomId: room.roomId, status, statusReason: null, memberCount: room.memberCount },
      });
      await audit(tx, { actor: 'wechat', action: 'group.rematched', groupId: g.id, orgUnitId: g.orgUnitId, at, detail: { topic: g.topic } });
    });
    result.matched++;
  }
  return result;
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
  const command = g.kind === 'work' ? '#登记 <登记码>' : g.kind === 'source' ? '#来源群' : `#班级 ${g.className ?? '<班级名>'}`;
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
