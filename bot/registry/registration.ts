// Registration as a domain service: the trust chain's operations on a group — enroll a work group,
// register a class parent group or a bureau source group, pause / resume, auto-forward on / off,
// unregister. Each change is ONE transaction with its audit row; the rules (lockout, who may,
// what state allows what) live here, authority in ./authority.ts. Callers (the chat commands in
// bot/commands/, the CLI) parse their input, call one operation and render the outcome's locale
// key. Nothing here knows WeChat beyond the plain ChatPort of the account (member counts, lists).
import type { Account, AppContext } from '../app.ts';
import type { ChatGroup, Prisma, PrismaClient } from '../db/client.ts';
import { hourMinute } from '../core/time.ts';
import { UserError } from '../errors.ts';
import { t } from '../i18n.ts';
import { audit } from './audit.ts';
import { bureauGroupsOf, requireManager, requireRegistered, schoolsOfStaff, type ChatSender } from './authority.ts';
import { checkClassName } from './class-name.ts';
import { hashCode, normalizeCode } from './enrollment-code.ts';
import { describeGroup, LEFT_REMOVED, LEFT_UNREGISTERED, ownerKeyOf, type GroupWithUnit, type RoomRegistration } from './groups.ts';
import { recordWorkGroupMembers } from './staff.ts';

/** Wrong enrollment codes allowed per room within LOCKOUT_MS; the next attempt is refused until then. */
export const MAX_FAILURES = 5;
export const LOCKOUT_MS = 60 * 60 * 1000;

/** What an operation did, as a locale key (content/locales/zh-CN/registry.yml) and its parameters. */
export interface Outcome {
  key: string;
  params?: Record<string, string | number>;
  /** The group the operation registered or changed, when there is one. */
  groupId?: number;
}

/**
 * Where a chat operation happens: the account and room it was sent in, the room's registration
 * (looked up once by the caller), who sent it and when.
 */
export interface InRoom {
  account: Account;
  roomId: string;
  topic: string;
  registration?: RoomRegistration;
  sender: ChatSender;
  now: Date;
}

export interface RegistrationHooks {
  /** Called after a group became able to receive posts (registered, opted in, resumed). Errors are logged, never thrown. */
  onGroupActivated?: (groupId: number) => Promise<unknown> | unknown;
}

type Tx = Prisma.TransactionClient;

/**
 * Creates a group row with its owner key in one statement: the key is derived from the group id,
 * so the id is taken from the sequence first (no row with an empty owner key ever exists).
 */
async function createGroup(
  tx: Tx,
  ctx: AppContext,
  data: Omit<Prisma.ChatGroupUncheckedCreateInput, 'id' | 'ownerKey'> & { registeredBy: string },
): Promise<ChatGroup> {
  const [{ id }] = await tx.$queryRaw<{ id: number }[]>`SELECT nextval(pg_get_serial_sequence('chat_group', 'id'))::int AS id`;
  return tx.chatGroup.create({ data: { ...data, id, ownerKey: ownerKeyOf(ctx, id, data.registeredBy) } });
}

/**
 * Attaches a removed or ambiguous registration to the room it was confirmed in (re-registering
 * with the same code or class, or the owner's #恢复 after the bot was added back).
 */
async function reattach(
  prisma: PrismaClient,
  group: GroupWithUnit,
  where: { roomId: string; topic: string; actor: string; now: Date },
  opts: { action: 'group.reregistered' | 'group.rejoin_confirmed'; status?: 'active' | 'paused'; memberCount?: number },
): Promise<void> {
  await prisma.$transaction(async (tx) => {
    await tx.chatGroup.update({
      where: { id: group.id },
      data: {
        roomId: where.roomId, topic: where.topic, status: opts.status ?? 'active', statusReason: null,
        ...(opts.memberCount === undefined ? {} : { memberCount: opts.memberCount }),
      },
    });
    await audit(tx, { actor: where.actor, action: opts.action, groupId: group.id, orgUnitId: group.orgUnitId, at: where.now, detail: { topic: where.topic } });
  });
}

/**
 * Unregisters a group: it is kept as `left` (reason "unregistered") for the delivery history, with
 * no room and auto-forwarding off. One transaction with its audit row. Used by #注销 and the CLI.
 */
export async function unregisterGroup(
  prisma: PrismaClient,
  group: Pick<ChatGroup, 'id' | 'orgUnitId' | 'topic'>,
  by: { actor: string; now: Date; via?: 'chat' | 'cli' },
): Promise<void> {
  await prisma.$transaction(async (tx) => {
    await tx.chatGroup.update({
      where: { id: group.id },
      data: { status: 'left', statusReason: LEFT_UNREGISTERED, roomId: null, autoForward: false },
    });
    await audit(tx, {
      actor: by.actor, action: 'group.unregistered', groupId: group.id, orgUnitId: group.orgUnitId, at: by.now,
      detail: { topic: group.topic, ...(by.via === 'cli' ? { via: 'cli' } : {}) },
    });
  });
}

/** The registration service of one process: every operation of the trust chain on a group. */
export function createRegistration(ctx: AppContext, hooks: RegistrationHooks = {}) {
  const prisma = ctx.db.prisma;
  const log = ctx.log.child({ name: 'registry' });

  async function activated(groupId: number): Promise<void> {
    try {
      await hooks.onGroupActivated?.(groupId);
    } catch (err) {
      log.error({ err, group: groupId }, 'onGroupActivated hook failed; the registration itself is saved');
    }
  }

  /** The room's member count as the account sees it (0 when unknown). */
  const memberCountOf = (r: InRoom) => r.account.chat.room(r.roomId).then((x) => x?.memberCount ?? 0, () => 0);

  return {
    /**
     * #登记: the room becomes the unit's work group and the sender its contact. Wrong codes are
     * counted per room (account + topic: the room id changes on re-login); MAX_FAILURES within
     * LOCKOUT_MS lock the room out, the right code included.
     */
    async enroll(r: InRoom, typedCode: string): Promise<Outcome> {
      const ref = `${r.account.id}:${r.topic}`;
      const failures = await prisma.enrollAttempt.findMany({
        where: { roomRef: ref, ok: false, at: { gte: new Date(r.now.getTime() - LOCKOUT_MS) } },
        orderBy: { at: 'asc' },
      });
      if (failures.length >= MAX_FAILURES) {
        const until = new Date(failures[failures.length - MAX_FAILURES].at.getTime() + LOCKOUT_MS);
        throw new UserError('registry.enroll_locked', { until: hourMinute(until, ctx.config.timeZone) });
      }
      const code = normalizeCode(typedCode);
      const unit = code ? await prisma.orgUnit.findUnique({ where: { codeHash: hashCode(code) } }) : null;
      if (!unit) {
        const count = failures.length + 1;
        await prisma.$transaction(async (tx) => {
          await tx.enrollAttempt.create({ data: { roomRef: ref, ok: false, at: r.now } });
          if (count >= MAX_FAILURES) await audit(tx, { actor: r.sender.name, action: 'group.enroll_locked', at: r.now, detail: { topic: r.topic } });
        });
        if (count >= MAX_FAILURES) {
          throw new UserError('registry.enroll_locked', { until: hourMinute(new Date(r.now.getTime() + LOCKOUT_MS), ctx.config.timeZone) });
        }
        throw new UserError('registry.enroll_wrong', { count });
      }
      const reg = r.registration;
      const sameUnit = reg !== undefined && reg.group.kind === 'work' && reg.group.orgUnitId === unit.id;
      if (reg?.attached && !sameUnit) throw new UserError('registry.enroll_other', { what: describeGroup(reg.group) });
      await prisma.enrollAttempt.create({ data: { roomRef: ref, ok: true, at: r.now } });
      if (reg && sameUnit) {
        if (reg.attached && reg.group.status !== 'ambiguous') return { key: 'registry.enroll_again', params: { unit: unit.name }, groupId: reg.group.id };
        // A removed or ambiguous registration of this unit in this room: re-registering resolves it.
        await reattach(prisma, reg.group, { roomId: r.roomId, topic: r.topic, actor: r.sender.name, now: r.now }, { action: 'group.reregistered', memberCount: await memberCountOf(r) });
        await activated(reg.group.id);
        return { key: 'registry.enroll_restored', params: { unit: unit.name }, groupId: reg.group.id };
      }
      const memberCount = await memberCountOf(r);
      const created = await prisma.$transaction(async (tx) => {
        const g = await createGroup(tx, ctx, {
          kind: 'work', orgUnitId: unit.id, botAccountId: r.account.id, topic: r.topic, roomId: r.roomId,
          registeredBy: r.sender.name, memberCount, registeredAt: r.now,
        });
        await tx.orgUnit.update({ where: { id: unit.id }, data: { contactName: r.sender.name } });
        await audit(tx, { actor: r.sender.name, action: 'group.registered', groupId: g.id, orgUnitId: unit.id, at: r.now, detail: { kind: 'work', topic: r.topic } });
        return g;
      });
      await activated(created.id);
      // Its members count as staff of the unit for class groups on other bot accounts too.
      await r.account.chat.roomMembers(r.roomId).then((m) => recordWorkGroupMembers(ctx, created.id, m)).catch((err) =>
        log.warn({ err: (err as Error).message, group: created.id }, 'cannot record the members of the new work group'),
      );
      return { key: 'registry.enroll_ok', params: { unit: unit.name, name: r.sender.name }, groupId: created.id };
    },

    /**
     * #班级: a member of a registered work group of a school registers the room as a class parent
     * group of that school and owns it. `words` are "<class>" or "<school> <class>". Auto-forwarding
     * stays off until the owner opts in.
     */
    async registerClass(r: InRoom, words: string[]): Promise<Outcome> {
      const reg = r.registration;
      if (reg?.attached) throw new UserError('registry.class_already', { what: describeGroup(reg.group) });
      const schools = await schoolsOfStaff(ctx, r.account, r.sender);
      if (schools.size === 0) throw new UserError('registry.class_not_staff');
      const names = [...schools.values()].map((s) => s.name).join(t('common.separator'));
      // "#班级 <school> <class>" when the first word names a school; else the words are the class.
      let school = words.length > 1 ? [...schools.values()].find((s) => s.name === words[0]) : undefined;
      let className = school ? words.slice(1).join(' ') : words.join(' ');
      if (!school && words.length > 1 && /(学校|小学|中学|学院|幼儿园|校)$/.test(words[0])) {
        throw new UserError('registry.class_school_unknown', { school: words[0], schools: names });
      }
      if (!school) {
        if (schools.size > 1) throw new UserError('registry.class_which_school', { schools: names });
        school = [...schools.values()][0];
      }
      className = checkClassName(className);
      if (reg && reg.group.kind === 'parent' && reg.group.orgUnitId === school.id && reg.group.className === className) {
        await reattach(prisma, reg.group, { roomId: r.roomId, topic: r.topic, actor: r.sender.name, now: r.now }, { action: 'group.reregistered' });
        await activated(reg.group.id);
        return { key: 'registry.resumed_after_rejoin', params: { what: describeGroup(reg.group) }, groupId: reg.group.id };
      }
      const memberCount = await memberCountOf(r);
      const g = await prisma.$transaction(async (tx) => {
        const created = await createGroup(tx, ctx, {
          kind: 'parent', orgUnitId: school.id, className, botAccountId: r.account.id, topic: r.topic, roomId: r.roomId,
          registeredBy: r.sender.name, memberCount, autoForward: false, registeredAt: r.now,
        });
        await audit(tx, { actor: r.sender.name, action: 'group.registered', groupId: created.id, orgUnitId: school.id, at: r.now, detail: { kind: 'parent', className, topic: r.topic } });
        return created;
      });
      return { key: 'registry.class_ok', params: { school: school.name, class: className, name: r.sender.name }, groupId: g.id };
    },

    /** #来源群: a bureau member registers the room as the bureau's source group. */
    async registerSourceGroup(r: InRoom): Promise<Outcome> {
      if (r.registration?.attached) throw new UserError('registry.class_already', { what: describeGroup(r.registration.group) });
      const bureau = await bureauGroupsOf(ctx, r.account, r.sender);
      if (bureau.length === 0) throw new UserError('registry.source_not_bureau');
      const unit = bureau[0].orgUnit;
      const g = await prisma.$transaction(async (tx) => {
        const created = await createGroup(tx, ctx, {
          kind: 'source', orgUnitId: unit.id, botAccountId: r.account.id, topic: r.topic, roomId: r.roomId,
          registeredBy: r.sender.name, registeredAt: r.now,
        });
        await audit(tx, { actor: r.sender.name, action: 'group.registered', groupId: created.id, orgUnitId: unit.id, at: r.now, detail: { kind: 'source', topic: r.topic } });
        return created;
      });
      return { key: 'registry.source_ok', params: { unit: unit.name }, groupId: g.id };
    },

    /** #暂停: the group's manager stops deliveries to it. */
    async pause(r: InRoom): Promise<Outcome> {
      const reg = requireRegistered(r.registration);
      await requireManager(ctx, r.account, reg.group, r.sender);
      if (!reg.attached) throw new UserError('registry.not_registered');
      if (reg.group.status !== 'active') return { key: 'registry.already', groupId: reg.group.id };
      await prisma.$transaction(async (tx) => {
        await tx.chatGroup.update({ where: { id: reg.group.id }, data: { status: 'paused' } });
        await audit(tx, { actor: r.sender.name, action: 'group.paused', groupId: reg.group.id, orgUnitId: reg.group.orgUnitId, at: r.now });
      });
      return { key: 'registry.paused', groupId: reg.group.id };
    },

    /**
     * #恢复: the manager resumes a paused group, or confirms a group after the bot was removed and
     * added back (it comes back in the status it had: paused stays paused).
     */
    async resume(r: InRoom): Promise<Outcome> {
      const reg = requireRegistered(r.registration);
      await requireManager(ctx, r.account, reg.group, r.sender);
      const g = reg.group;
      if (g.status === 'left' && g.statusReason === LEFT_REMOVED) {
        const before = ((g.settings ?? {}) as Record<string, unknown>).statusBefore;
        await reattach(prisma, g, { roomId: r.roomId, topic: r.topic, actor: r.sender.name, now: r.now }, {
          action: 'group.rejoin_confirmed', status: before === 'paused' ? 'paused' : 'active',
        });
        await activated(g.id);
        return { key: 'registry.resumed_after_rejoin', params: { what: describeGroup(g) }, groupId: g.id };
      }
      if (g.status !== 'paused') return { key: 'registry.already', groupId: g.id };
      await prisma.$transaction(async (tx) => {
        await tx.chatGroup.update({ where: { id: g.id }, data: { status: 'active' } });
        await audit(tx, { actor: r.sender.name, action: 'group.resumed', groupId: g.id, orgUnitId: g.orgUnitId, at: r.now });
      });
      await activated(g.id);
      return { key: 'registry.resumed', groupId: g.id };
    },

    /** #自动转发 开|关: the manager of a class parent group opts in or out (work groups always receive). */
    async setAutoForward(r: InRoom, on: boolean): Promise<Outcome> {
      const reg = requireRegistered(r.registration);
      await requireManager(ctx, r.account, reg.group, r.sender);
      if (!reg.attached) throw new UserError('registry.not_registered');
      if (reg.group.kind !== 'parent') throw new UserError('registry.auto_not_parent');
      if (reg.group.autoForward === on) return { key: 'registry.already', groupId: reg.group.id };
      await prisma.$transaction(async (tx) => {
        await tx.chatGroup.update({ where: { id: reg.group.id }, data: { autoForward: on } });
        await audit(tx, { actor: r.sender.name, action: on ? 'group.auto_forward_on' : 'group.auto_forward_off', groupId: reg.group.id, orgUnitId: reg.group.orgUnitId, at: r.now });
      });
      if (on) await activated(reg.group.id);
      return { key: on ? 'registry.auto_on' : 'registry.auto_off', groupId: reg.group.id };
    },

    /** #注销: the manager unregisters the group (kept as `left` for the history). */
    async unregister(r: InRoom): Promise<Outcome> {
      const reg = requireRegistered(r.registration);
      await requireManager(ctx, r.account, reg.group, r.sender);
      await unregisterGroup(prisma, reg.group, { actor: r.sender.name, now: r.now });
      return { key: 'registry.unregistered', groupId: reg.group.id };
    },
  };
}

export type RegistrationService = ReturnType<typeof createRegistration>;
