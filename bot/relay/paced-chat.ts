// Everything one account sends goes through its pacer (bot/relay/pacer.ts) and its daily budget
// (bot/relay/budget.ts): the relay worker paces its posts itself on the same pacer and counts them
// in beginSend; this wrapper paces and counts every other message — reminders, private lists,
// notices, and command replies (which take the earliest free slot and are never refused, but count).
import { SendError, type ChatPort, type Outgoing, type SendOptions } from '../chat-types.ts';
import type { Clock } from '../clock.ts';
import type { SendBudget } from './budget.ts';
import type { Pacer } from './pacer.ts';
import { isThrottle } from './throttle.ts';

/** `chat` with every send counted in `budget` (when given) and waiting for its slot of `pacer`. */
export function pacedChat(chat: ChatPort, pacer: Pacer, clock: Clock, budget?: SendBudget): ChatPort {
  async function paced(opts: SendOptions | undefined, send: () => Promise<void>): Promise<void> {
    const taken = budget ? await budget.take(opts?.reply === true) : undefined;
    if (taken && 'refused' in taken) throw new SendError(`not sent: ${taken.refused}`, { sent: false });
    const slot = pacer.next(clock.now().getTime(), { reply: opts?.reply });
    const wait = slot.target - clock.now().getTime();
    if (wait > 0) await clock.sleep(wait);
    pacer.started(slot, clock.now().getTime());
    try {
      await send();
    } catch (err) {
      if (budget && taken && err instanceof SendError && err.opts.sent === false) await budget.refund(taken.day);
      if (budget && isThrottle(err)) await budget.throttled();
      throw err;
    }
  }
  return {
    ...chat,
    accountName: chat.accountName,
    capabilities: () => chat.capabilities(),
    roomMembers: (roomId) => chat.roomMembers(roomId),
    room: (roomId) => chat.room(roomId),
    rooms: () => chat.rooms(),
    sayToRoom: (roomId: string, out: Outgoing, opts?: SendOptions) => paced(opts, () => chat.sayToRoom(roomId, out, opts)),
    sayToContact: (contactId: string, out: Outgoing, opts?: SendOptions) => paced(opts, () => chat.sayToContact(contactId, out, opts)),
  };
}
