// One context per inbound message (grammY's one context object per update): the message, the
// account it came in on, the time it is handled, and the room's registration — looked up at most
// once, and only when a step asks for it, so cheap filters (self-sent, kind, "is it a command?",
// "has it a link?") run first and plain chatter costs no registration query at all. Every step
// of the inbound pipeline reads this context instead of looking the registration up again.
import type { Account, AppContext } from '../app.ts';
import type { GroupMessage, PrivateMessage } from '../chat-types.ts';
import { groupForRoom, type RoomRegistration } from '../registry/groups.ts';

/** A group message on its way through the pipeline. */
export interface GroupInbound {
  where: 'group';
  msg: GroupMessage;
  account: Account;
  /** When the bot handles it (the app clock; the message's own time is `msg.at`). */
  now: Date;
  /** The registration of the message's room (by room id, else by topic for a removed or ambiguous group); looked up once. */
  registration(): Promise<RoomRegistration | undefined>;
}

/** A private message on its way through the pipeline. */
export interface PrivateInbound {
  where: 'private';
  msg: PrivateMessage;
  account: Account;
  now: Date;
}

/** The context of one group message. */
export function groupInbound(ctx: Pick<AppContext, 'db' | 'clock'>, msg: GroupMessage, account: Account): GroupInbound {
  let lookup: Promise<RoomRegistration | undefined> | undefined;
  return {
    where: 'group',
    msg,
    account,
    now: ctx.clock.now(),
    registration: () => (lookup ??= groupForRoom(ctx.db.prisma, account.id, msg.roomId, msg.topic)),
  };
}

/** The context of one private message. */
export function privateInbound(ctx: Pick<AppContext, 'clock'>, msg: PrivateMessage, account: Account): PrivateInbound {
  return { where: 'private', msg, account, now: ctx.clock.now() };
}
