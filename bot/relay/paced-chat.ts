// Everything one account sends goes through its pacer (bot/relay/pacer.ts): the relay worker paces
// its posts itself on the same pacer; this wrapper paces every other message — reminders, private
// lists, notices, and command replies (which take the earliest free slot but still count).
import type { ChatPort, Outgoing, SendOptions } from '../chat-types.ts';
import type { Clock } from '../clock.ts';
import type { Pacer } from './pacer.ts';

/** `chat` with every send waiting for its slot of `pacer`. */
export function pacedChat(chat: ChatPort, pacer: Pacer, clock: Clock): ChatPort {
  async function turn(opts?: SendOptions): Promise<void> {
    const slot = pacer.next(clock.now().getTime(), { reply: opts?.reply });
    const wait = slot.target - clock.now().getTime();
    if (wait > 0) await clock.sleep(wait);
    pacer.started(slot, clock.now().getTime());
  }
  return {
    ...chat,
    accountName: chat.accountName,
    capabilities: () => chat.capabilities(),
    roomMembers: (roomId) => chat.roomMembers(roomId),
    room: (roomId) => chat.room(roomId),
    rooms: () => chat.rooms(),
    sayToRoom: async (roomId: string, out: Outgoing, opts?: SendOptions) => {
      await turn(opts);
      return chat.sayToRoom(roomId, out, opts);
    },
    sayToContact: async (contactId: string, out: Outgoing, opts?: SendOptions) => {
      await turn(opts);
      return chat.sayToContact(contactId, out, opts);
    },
  };
}
