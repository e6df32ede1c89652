// The domain's view of a running bot: its dependencies (passed in, never imported as globals) and
// the pipeline inbound chat messages go through. bot/main.ts and the demo build these.
import type { ChatPort, GroupMessage, PrivateMessage, RoomInfo } from './chat-types.ts';
import type { Clock } from './clock.ts';
import type { Config } from './config.ts';
import { inboundFailed, type DatabaseOutage } from './core/outage.ts';
import type { Settings } from './core/settings.ts';
import type { Db } from './db/client.ts';
import type { Logger } from './log.ts';

/** Shared by everything in one process. */
export interface AppContext {
  db: Db;
  clock: Clock;
  log: Logger;
  config: Config;
  /** Relay, ledger and sources settings, parsed once at start (bot/core/settings.ts). */
  settings: Settings;
  /** Key of the ledger's member hashes (bot/ledger/member-key.ts). */
  ledgerSecret: string;
}

/** One WeChat account driven by this process (the demo runs several in one process). */
export interface Account {
  /** BotAccount.id in the database. */
  id: number;
  name: string;
  chat: ChatPort;
}

/** Room lifecycle events, as plain data. */
export type RoomEvent =
  | { type: 'bot_joined'; room: RoomInfo; inviterId?: string; inviterName?: string; at: Date }
  | { type: 'bot_left'; roomId: string; topic?: string; at: Date }
  | { type: 'topic_changed'; roomId: string; oldTopic: string; newTopic: string; at: Date }
  | { type: 'members_changed'; roomId: string; memberCount: number; at: Date }
  | { type: 'logged_in'; rooms: RoomInfo[]; at: Date };

/**
 * A step of the inbound pipeline. Returns true when it consumed the message (later steps are
 * skipped). Each step is its own error boundary: a throw is logged and the next step runs.
 */
export interface InboundHandler {
  name: string;
  group?: (msg: GroupMessage, account: Account) => Promise<boolean>;
  private?: (msg: PrivateMessage, account: Account) => Promise<boolean>;
  room?: (event: RoomEvent, account: Account) => Promise<void>;
}

/**
 * Runs handlers in order with a per-handler error boundary. With `outage`, a failure because the
 * database cannot be reached is that module's to log (once per outage) and answer (bot/core/outage.ts).
 */
export function createPipeline(handlers: InboundHandler[], log: Logger, opts: { outage?: DatabaseOutage } = {}) {
  const plog = log.child({ name: 'inbound' });
  const outage = opts.outage;
  async function run<T extends GroupMessage | PrivateMessage>(kind: 'group' | 'private', input: T, account: Account): Promise<void> {
    for (const h of handlers) {
      const fn = h[kind] as ((i: T, a: Account) => Promise<boolean>) | undefined;
      if (!fn) continue;
      try {
        if (await fn(input, account)) return;
      } catch (err) {
        // The next handlers still run: confirmations, for one, are kept in memory through an outage.
        if (outage && (await inboundFailed(outage, err, { kind, msg: input } as never, account, h.name))) continue;
        plog.error({ err, handler: h.name, account: account.name }, 'inbound handler failed; continuing with the next');
      }
    }
  }
  return {
    group: (msg: GroupMessage, account: Account) => run('group', msg, account),
    private: (msg: PrivateMessage, account: Account) => run('private', msg, account),
    room: async (event: RoomEvent, account: Account) => {
      for (const h of handlers) {
        if (!h.room) continue;
        try {
          await h.room(event, account);
        } catch (err) {
          if (outage?.failed(err, h.name)) continue;
          plog.error({ err, handler: h.name, event: event.type }, 'room event handler failed');
        }
      }
    },
  };
}

export type Pipeline = ReturnType<typeof createPipeline>;
