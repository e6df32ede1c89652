// Shared checks of the group-management commands (#自动转发, #暂停, #恢复, #注销).
import { UserError } from '../errors.ts';
import { isManager, type RoomRegistration } from '../registry/groups.ts';
import type { CommandDeps } from './types.ts';

/** The attached registration of this room, or a polite refusal. */
export function requireRegistered(deps: CommandDeps): RoomRegistration {
  if (!deps.registration) throw new UserError('registry.not_registered');
  return deps.registration;
}

/** Refuses unless the sender is the group's owner or its unit's contact. */
export async function requireManager(deps: CommandDeps, reg: RoomRegistration): Promise<void> {
  if (!(await isManager(deps.ctx, deps.account, reg.group, deps.sender))) {
    throw new UserError('registry.not_manager', { owner: reg.group.registeredBy });
  }
}

/** For #帮助: whether the sender manages this room's group. */
export async function managesRoom(deps: CommandDeps): Promise<boolean> {
  return Boolean(deps.registration) && (await isManager(deps.ctx, deps.account, deps.registration!.group, deps.sender));
}
