// What the group commands share: the command's room as the registration service sees it, the
// registration check and the #帮助 authority test (the rules themselves are in bot/registry/).
import { isManager, requireRegistered as requireRegistration } from '../registry/authority.ts';
import type { RoomRegistration } from '../registry/groups.ts';
import type { InRoom, Outcome } from '../registry/registration.ts';
import { t } from '../i18n.ts';
import type { CommandDeps } from './types.ts';

/** The room a group command was sent in, for the registration service. */
export function inRoom(deps: CommandDeps): InRoom {
  const msg = deps.group!;
  return { account: deps.account, roomId: msg.roomId, topic: msg.topic, registration: deps.registration, sender: deps.sender, now: deps.now };
}

/** The reply to a registration outcome. */
export function render(o: Outcome): string {
  return t(o.key, o.params);
}

/** The registration of this room, or a polite refusal. */
export function requireRegistered(deps: CommandDeps): RoomRegistration {
  return requireRegistration(deps.registration);
}

/** For #帮助: whether the sender manages this room's group. */
export async function managesRoom(deps: CommandDeps): Promise<boolean> {
  return Boolean(deps.registration) && (await isManager(deps.ctx, deps.account, deps.registration!.group, deps.sender));
}
