// Registered groups and their lifecycle: lookup by room, authority, removal and re-adding,
// topic changes, and re-matching rooms by topic after each login (room ids change on wechat4u).
import type { Account, AppContext, InboundHandler, RoomEvent } from '../app.ts';
import type { ChatGroup, OrgUnit, PrismaClient } from '../db/client.ts';
import { t } from '../i18n.ts';
import { ownerKey } from '../ledger/member-key.ts';
import { audit } from './audit.ts';
import { rematchRooms } from './rematch.ts';
import { recordWorkGroupMembers } from './staff.ts';

export type GroupWithUnit = ChatGroup & { orgUnit: OrgUnit };

/** Why a group is `left`: removed from the room (restorable) or unregistered by its owner. */
export const LEFT_REMOVED = 'removed';
export const LEFT_UNREGISTERED = 'unregistered';

export interface RoomRegistration {
  group: GroupWithUnit;
  /** False when matched by topic only (bot re-added, or ambiguous after login): needs confirmation. */
  attached: boolean;
  /** How it was found: this room's id, or only the room's topic (then it may be another room). */
  matchedBy: 'room' | 'topic';
}

/**
 * The registered group for a room: by room id first, else (for a removed or ambiguous group) by
 * its recorded topic when exactly one such group matches.
 */
export async function groupForRoom(
  prisma: PrismaClient,
  accountId: number,
  roomId: string,
  topic: string,
): Promise<RoomRegistration | undefined> {
  const byId = await prisma.chatGroup.findFirst({
    where: { botAccountId: accountId, roomId, NOT: { status: 'left', statusReason: LEFT_UNREGISTERED } },
    include: { orgUnit: true },
    orderBy: { id: 'desc' },
  });
  if (byId) return { group: byId, attached: byId.status !== 'left', matchedBy: 'room' };
  const byTopic = await prisma.chatGroup.findMany({
    where: {
      botAccountId: accountId,
      topic,
      OR: [{ status: 'ambiguous' }, { status: 'left', statusReason: LEFT_REMOVED }],
    },
    include: { orgUnit: true },
  });
  if (byTopic.length === 1) return { group: byTopic[0], attached: false, matchedBy: 'topic' };
  return undefined;
}

/** A human name for a registered group ("XX小学 三年级2班 家长群"). */
export function describeGroup(g: GroupWithUnit): string {
  if (g.kind === 'work') return t('registry.work_group', { unit: g.orgUnit.name });
  if (g.kind === 'source') return t('registry.source_group', { unit: g.orgUnit.name });
  return t('registry.parent_group', { unit: g.orgUnit.name, class: g.className ?? '' });
}

/** The owner key of a member of a group: not their member key (see bot/ledger/member-key.ts). */
export function ownerKeyOf(ctx: AppContext, groupId: number, name: string): string {
  return ownerKey(ctx.ledgerSecret, groupId, name);
}

/**
 * The room lifecycle handler: removal → `left`; re-adding → ask the owner to confirm; topic change
 * → record; after login → re-match by topic.
 */
export async function onRoomEvent(ctx: AppContext, account: Account, ev: RoomEvent): Promise<void> {
  const prisma = ctx.db.prisma;
  const log = ctx.log.child({ name: 'registry', account: account.name });
  switch (ev.type) {
    case 'bot_left': {
      const groups = await prisma.chatGroup.findMany({
        where: { botAccountId: account.id, roomId: ev.roomId, status: { in: ['active', 'paused', 'ambiguous'] } },
      });
      for (const g of groups) {
        await prisma.$transaction(async (tx) => {
          await tx.chatGroup.update({
            where: { id: g.id },
            data: { status: 'left', statusReason: LEFT_REMOVED, settings: { ...(g.settings as object), statusBefore: g.status } },
          });
          await audit(tx, { actor: 'wechat', action: 'group.removed', groupId: g.id, orgUnitId: g.orgUnitId, at: ev.at, detail: { topic: g.topic } });
        });
        log.warn({ group: g.id, topic: g.topic }, 'the bot was removed from a registered group; deliveries to it stop');
      }
      return;
    }
    case 'bot_joined': {
      const reg = await groupForRoom(prisma, account.id, ev.room.roomId, ev.room.topic);
      if (!reg || reg.group.status !== 'left') return;
      await audit(prisma, {
        actor: ev.inviterName ?? 'wechat',
        action: 'group.readded',
        groupId: reg.group.id,
        orgUnitId: reg.group.orgUnitId,
        at: ev.at,
        detail: { topic: ev.room.topic },
      });
      await account.chat.sayToRoom(ev.room.roomId, {
        type: 'text',
        text: t('registry.rejoined', { what: describeGroup(reg.group), owner: reg.group.registeredBy }),
      });
      return;
    }
    case 'topic_changed': {
      const groups = await prisma.chatGroup.findMany({ where: { botAccountId: account.id, roomId: ev.roomId } });
      for (const g of groups) {
        if (g.topic === ev.newTopic) continue;
        await prisma.$transaction(async (tx) => {
          await tx.chatGroup.update({ where: { id: g.id }, data: { topic: ev.newTopic } });
          await audit(tx, { actor: 'wechat', action: 'group.topic_changed', groupId: g.id, orgUnitId: g.orgUnitId, at: ev.at, detail: { from: ev.oldTopic, to: ev.newTopic } });
        });
      }
      return;
    }
    case 'members_changed': {
      await prisma.chatGroup.updateMany({ where: { botAccountId: account.id, roomId: ev.roomId }, data: { memberCount: ev.memberCount } });
      // A work group's members are recorded for staff checks from other accounts: keep them current.
      const works = await prisma.chatGroup.findMany({ where: { botAccountId: account.id, roomId: ev.roomId, kind: 'work', status: { in: ['active', 'paused'] } } });
      for (const g of works) await recordWorkGroupMembers(ctx, g.id, await account.chat.roomMembers(ev.roomId));
      return;
    }
    case 'logged_in': {
      const r = await rematchRooms(ctx, account, ev.rooms, ev.at);
      log.info(r, 'groups re-matched to rooms after login');
      return;
    }
  }
}

/** The registry's pipeline step: room lifecycle events (removal, re-adding, topic, login). */
export function createRegistryHandler(ctx: AppContext): InboundHandler {
  return { name: 'registry', room: (ev, account) => onRoomEvent(ctx, account, ev) };
}
