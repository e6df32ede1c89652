// #班级 <class> or #班级 <school> <class>: a teacher who is a member of a registered work group of
// the school registers the class parent group; the teacher owns it. Auto-forward starts off.
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { t } from '../i18n.ts';
import { audit } from '../registry/audit.ts';
import { checkClassName } from '../registry/class-name.ts';
import { describeGroup, ownerKeyOf, workGroupsOfMember, type GroupWithUnit } from '../registry/groups.ts';
import { commandWords } from './words.ts';
import { defineCommand } from './types.ts';

export const classCommand = defineCommand({
  ...commandWords('class'),
  where: ['group'],
  usageKey: 'registry.usage_class',
  summaryKey: 'registry.summary_class',
  schema: z.array(z.string().max(40)).min(1).max(4),
  allowed: async (deps) => !deps.registration?.attached,
  handler: async (words, deps) => {
    const { ctx, account, group: msg } = deps;
    const prisma = ctx.db.prisma;
    const reg = deps.registration;
    if (reg?.attached) throw new UserError('registry.class_already', { what: describeGroup(reg.group) });
    const staffOf = (await workGroupsOfMember(ctx, account, deps.sender.id)).filter((g) => g.orgUnit.kind === 'school');
    const schools = new Map<number, GroupWithUnit['orgUnit']>();
    for (const g of staffOf) schools.set(g.orgUnitId, g.orgUnit);
    if (schools.size === 0) throw new UserError('registry.class_not_staff');
    const names = [...schools.values()].map((s) => s.name).join('、');
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
    if (reg && !reg.attached && reg.group.kind === 'parent' && reg.group.orgUnitId === school.id && reg.group.className === className) {
      await prisma.$transaction(async (tx) => {
        await tx.chatGroup.update({
          where: { id: reg.group.id },
          data: { roomId: msg!.roomId, topic: msg!.topic, status: 'active', statusReason: null },
        });
        await audit(tx, { actor: deps.sender.name, action: 'group.reregistered', groupId: reg.group.id, orgUnitId: school.id, at: deps.now, detail: { topic: msg!.topic } });
      });
      await deps.groupActivated(reg.group.id);
      return t('registry.resumed_after_rejoin', { what: describeGroup(reg.group) });
    }
    const memberCount = await account.chat.roomMembers(msg!.roomId).then((m) => m.length, () => 0);
    await prisma.$transaction(async (tx) => {
      const g = await tx.chatGroup.create({
        data: {
          kind: 'parent', orgUnitId: school.id, className, botAccountId: account.id, topic: msg!.topic, roomId: msg!.roomId,
          registeredBy: deps.sender.name, ownerKey: '', memberCount, autoForward: false, registeredAt: deps.now,
        },
      });
      await tx.chatGroup.update({ where: { id: g.id }, data: { ownerKey: ownerKeyOf(ctx, g.id, deps.sender.name) } });
      await audit(tx, { actor: deps.sender.name, action: 'group.registered', groupId: g.id, orgUnitId: school.id, at: deps.now, detail: { kind: 'parent', className, topic: msg!.topic } });
    });
    return t('registry.class_ok', { school: school.name, class: className, name: deps.sender.name });
  },
});
