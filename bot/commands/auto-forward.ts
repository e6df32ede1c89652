// #自动转发 开|关 in a class parent group: only the owning teacher or the unit contact; forwarding
// starts only after 开. Work groups always receive posts (registry/forwarding.ts): there the command
// says so and points to #暂停, instead of answering "off" while posts keep arriving.
import { UserError } from '../errors.ts';
import { t } from '../i18n.ts';
import { audit } from '../registry/audit.ts';
import { managesRoom, requireManager, requireRegistered } from './manage.ts';
import { commandWords, onOffSchema } from './words.ts';
import { defineCommand } from './types.ts';

export const autoForwardCommand = defineCommand({
  ...commandWords('auto_forward'),
  where: ['group'],
  usageKey: 'registry.usage_auto',
  summaryKey: 'registry.summary_auto',
  schema: onOffSchema,
  allowed: async (deps) => Boolean(deps.registration?.attached) && deps.registration!.group.kind === 'parent' && (await managesRoom(deps)),
  handler: async (on, deps) => {
    const reg = requireRegistered(deps);
    await requireManager(deps, reg);
    if (!reg.attached) throw new UserError('registry.not_registered');
    if (reg.group.kind !== 'parent') throw new UserError('registry.auto_not_parent');
    if (reg.group.autoForward === on) return t('registry.already');
    await deps.ctx.db.prisma.$transaction(async (tx) => {
      await tx.chatGroup.update({ where: { id: reg.group.id }, data: { autoForward: on } });
      await audit(tx, { actor: deps.sender.name, action: on ? 'group.auto_forward_on' : 'group.auto_forward_off', groupId: reg.group.id, orgUnitId: reg.group.orgUnitId, at: deps.now });
    });
    if (on) await deps.groupActivated(reg.group.id);
    return t(on ? 'registry.auto_on' : 'registry.auto_off');
  },
});
