// Who may do what with a registered group — the one place that knows the trust chain's authority:
// staff are members of a registered work group (live member list on this account, recorded member
// keys across accounts), bureau members are staff of a city, county or department unit, and a
// group's managers are its owner (who registered it) and its unit's contact when that person is
// staff of the unit. WeChat (web protocol) does not tell who owns a room, so nothing here asks it.
import type { Account, AppContext } from '../app.ts';
import type { PrismaClient } from '../db/client.ts';
import { UserError } from '../errors.ts';
import { ownerKeyOf, type GroupWithUnit, type RoomRegistration } from './groups.ts';
import { recordWorkGroupMembers, workGroupsElsewhere } from './staff.ts';

/** A person in a chat: their id in this account's session and their display name. */
export interface ChatSender {
  id: string;
  name: string;
}

const BUREAU_KINDS = new Set(['city', 'county', 'department']);

/** Active or paused work groups of this account, with their units. */
export async function workGroups(prisma: PrismaClient, accountId: number): Promise<GroupWithUnit[]> {
  return prisma.chatGroup.findMany({
    where: { botAccountId: accountId, kind: 'work', status: { in: ['active', 'paused'] }, roomId: { not: null } },
    include: { orgUnit: true },
    orderBy: { id: 'asc' },
  });
}

/**
 * The work groups that the sender is a member of: this account's by live member lists (which are
 * recorded for the other accounts on the way); with `acrossAccounts`, when there are none, the work
 * groups of other accounts whose recorded members include the sender's name (see ./staff.ts).
 */
export async function workGroupsOfMember(
  ctx: AppContext,
  account: Account,
  sender: ChatSender,
  opts: { acrossAccounts?: boolean } = {},
): Promise<GroupWithUnit[]> {
  const out: GroupWithUnit[] = [];
  for (const g of await workGroups(ctx.db.prisma, account.id)) {
    try {
      const members = await account.chat.roomMembers(g.roomId!);
      await recordWorkGroupMembers(ctx, g.id, members).catch((err) =>
        ctx.log.child({ name: 'registry' }).warn({ err: (err as Error).message, group: g.id }, 'cannot record the members of a work group'),
      );
      if (members.some((m) => m.id === sender.id)) out.push(g);
    } catch (err) {
      ctx.log.child({ name: 'registry' }).warn({ err, group: g.id }, 'cannot read the member list of a work group');
    }
  }
  // Only when this account knows the sender in none: display names are not unique in a city, and
  // a name seen in another school's work group must not add that school.
  if (opts.acrossAccounts && out.length === 0) out.push(...(await workGroupsElsewhere(ctx, account.id, sender.name)));
  return out;
}

/**
 * Whether the sender may manage the group: its owner (who registered it), or the contact of its
 * unit when that person is in one of the unit's work groups.
 */
export async function isManager(
  ctx: AppContext,
  account: Account,
  group: GroupWithUnit,
  sender: ChatSender,
): Promise<boolean> {
  if (group.ownerKey === ownerKeyOf(ctx, group.id, sender.name)) return true;
  if (!group.orgUnit.contactName || group.orgUnit.contactName !== sender.name) return false;
  const mine = await workGroupsOfMember(ctx, account, sender);
  return mine.some((g) => g.orgUnitId === group.orgUnitId);
}

/** The bureau work groups (city, county, department) the sender is in; empty: not a bureau member. */
export async function bureauGroupsOf(ctx: AppContext, account: Account, sender: ChatSender): Promise<GroupWithUnit[]> {
  return (await workGroupsOfMember(ctx, account, sender)).filter((g) => BUREAU_KINDS.has(g.orgUnit.kind));
}

/** The schools whose registered work groups the sender is in (across accounts), by unit id. */
export async function schoolsOfStaff(ctx: AppContext, account: Account, sender: ChatSender): Promise<Map<number, GroupWithUnit['orgUnit']>> {
  // A school's work group may be served by another bot account: its recorded members count too.
  const staffOf = await workGroupsOfMember(ctx, account, sender, { acrossAccounts: true });
  const schools = new Map<number, GroupWithUnit['orgUnit']>();
  for (const g of staffOf) if (g.orgUnit.kind === 'school') schools.set(g.orgUnitId, g.orgUnit);
  return schools;
}

/** The registration of a room, or a polite refusal ("本群还没有登记"). */
export function requireRegistered(reg: RoomRegistration | undefined): RoomRegistration {
  if (!reg) throw new UserError('registry.not_registered');
  return reg;
}

/** Refuses unless the sender manages the group (its owner, or its unit's contact who is staff there). */
export async function requireManager(ctx: AppContext, account: Account, group: GroupWithUnit, sender: ChatSender): Promise<void> {
  if (!(await isManager(ctx, account, group, sender))) {
    throw new UserError('registry.not_manager', { owner: group.registeredBy });
  }
}
