// #登记 <enrollment code>: the group becomes the unit's work group; the sender its contact.
// Wrong codes are counted per room; 5 failures in an hour lock the room out for an hour.
import { hourMinute } from '../core/time.ts';
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { t } from '../i18n.ts';
import { audit } from '../registry/audit.ts';
import { hashCode, normalizeCode } from '../registry/enrollment-code.ts';
import { describeGroup, ownerKeyOf } from '../registry/groups.ts';
import { commandWords } from './words.ts';
import { defineCommand, type CommandDeps } from './types.ts';

export const MAX_FAILURES = 5;
export const LOCKOUT_MS = 60 * 60 * 1000;

/** The lockout key of a room: account and topic (the room id changes on re-login). */
function roomRef(deps: CommandDeps): string {
  return `${deps.account.id}:${deps.group!.topic}`;
}

export const enrollCommand = defineCommand({
  ...commandWords('enroll'),
  where: ['group'],
  usageKey: 'registry.usage_enroll',
  summaryKey: 'registry.summary_enroll',
  // Codes look like K7QX-M4PA; people type them with a space too.
  schema: z.array(z.string().max(40)).min(1).max(2),
  allowed: async (deps) => !deps.registration || !deps.registration.attached || deps.registration.group.kind !== 'parent',
  handler: async (words, deps) => {
    const { ctx, group: msg } = deps;
    const prisma = ctx.db.prisma;
    const ref = roomRef(deps);
    const since = new Date(deps.now.getTime() - LOCKOUT_MS);
    const failures = await prisma.enrollAttempt.findMany({
      where: { roomRef: ref, ok: false, at: { gte: since } },
      orderBy: { at: 'asc' },
    });
    if (failures.length >= MAX_FAILURES) {
      const until = new Date(failures[failures.length - MAX_FAILURES].at.getTime() + LOCKOUT_MS);
      throw new UserError('registry.enroll_locked', { until: hourMinute(until, ctx.config.timeZone) });
    }
    const code = normalizeCode(words.join(''));
    const unit = code ? await prisma.orgUnit.findUnique({ where: { codeHash: hashCode(code) } }) : null;
    if (!unit) {
      await prisma.enrollAttempt.create({ data: { roomRef: ref, ok: false, at: deps.now } });
      const count = failures.length + 1;
      if (count >= MAX_FAILURES) {
        await audit(prisma, { actor: deps.sender.name, action: 'group.enroll_locked', at: deps.now, detail: { topic: msg!.topic } });
        throw new UserError('registry.enroll_locked', { until: hourMinute(new Date(deps.now.getTime() + LOCKOUT_MS), ctx.config.timeZone) });
      }
      throw new UserError('registry.enroll_wrong', { count });
    }
    const reg = deps.registration;
    if (reg && (reg.group.kind !== 'work' || reg.group.orgUnitId !== unit.id)) {
      if (reg.attached) throw new UserError('registry.enroll_other', { what: describeGroup(reg.group) });
    }
    await prisma.enrollAttempt.create({ data: { roomRef: ref, ok: true, at: deps.now } });
    const memberCount = await deps.account.chat.roomMembers(msg!.roomId).then((m) => m.length, () => 0);
    if (reg && reg.group.kind === 'work' && reg.group.orgUnitId === unit.id) {
      if (reg.attached && reg.group.status !== 'ambiguous') return t('registry.enroll_again', { unit: unit.name });
      // A removed or ambiguous registration of this unit in this room: re-registering resolves it.
      await prisma.$transaction(async (tx) => {
        await tx.chatGroup.update({
          where: { id: reg.group.id },
          data: { roomId: msg!.roomId, topic: msg!.topic, status: 'active', statusReason: null, memberCount },
        });
        await audit(tx, { actor: deps.sender.name, action: 'group.reregistered', groupId: reg.group.id, orgUnitId: unit.id, at: deps.now, detail: { topic: msg!.topic } });
      });
      await deps.groupActivated(reg.group.id);
      return t('registry.enroll_restored', { unit: unit.name });
    }
    const created = await prisma.$transaction(async (tx) => {
      const g = await tx.chatGroup.create({
        data: {
          kind: 'work', orgUnitId: unit.id, botAccountId: deps.account.id, topic: msg!.topic, roomId: msg!.roomId,
          registeredBy: deps.sender.name, ownerKey: '', memberCount, registeredAt: deps.now,
        },
      });
      await tx.chatGroup.update({ where: { id: g.id }, data: { ownerKey: ownerKeyOf(ctx, g.id, deps.sender.name) } });
      await tx.orgUnit.update({ where: { id: unit.id }, data: { contactName: deps.sender.name } });
      await audit(tx, { actor: deps.sender.name, action: 'group.registered', groupId: g.id, orgUnitId: unit.id, at: deps.now, detail: { kind: 'work', topic: msg!.topic } });
      return g;
    });
    await deps.groupActivated(created.id);
    return t('registry.enroll_ok', { unit: unit.name, name: deps.sender.name });
  },
});
