// The domain's view of a running bot: its dependencies (passed in, never imported as globals) and
// the pipeline inbound chat messages go through. bot/main.ts and the demo build these.
import type { ChatPort, GroupMessage, PrivateMessage, RoomInfo } from './chat-types.ts';
import type { Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { Settings } from './core/settings.ts';
import type { Db } from './db/client.ts';
import type { Logger } from './log.ts';
import { groupInbound, privateInbound, type GroupInbound, type PrivateInbound } from './core/inbound.ts';
import { inboundFailed, type DatabaseOutage } from './core/outage.ts';

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
 * A step of the inbound pipeline. It reads the message's one context (bot/core/inbound.ts:
 * message, account, time, the room's registration looked up at most once) and returns true when
 * it consumed the message (later steps are skipped). Each step is its own error boundary: a throw
 * is logged and the next step runs.
 */
export interface InboundHandler {
  name: string;
  group?: (ic: GroupInbound) => Promise<boolean>;
  private?: (ic: PrivateInbound) => Promise<boolean>;
  room?: (event: RoomEvent, account: Account) => Promise<void>;
}

/**
 * Runs handlers in order with a per-handler error boundary; one context per message for all of them.
 * With `outage`, a failure because the database cannot be reached is that module's to log (once per
 * outage) and answer (bot/core/outage.ts).
 */
export function createPipeline(handlers: InboundHandler[], ctx: Pick<AppContext, 'db' | 'clock' | 'log'>, opts: { outage?: DatabaseOutage } = {}) {
  const plog = ctx.log.child({ name: 'inbound' });
  const outage = opts.outage;
  async function run<C extends GroupInbound | PrivateInbound>(kind: C['where'], ic: C): Promise<void> {
    for (const h of handlers) {
      const fn = h[kind] as ((c: C) => Promise<boolean>) | undefined;
      if (!fn) continue;
      try {
        if (await fn(ic)) return;
      } catch (err) {
        // The next handlers still run: confirmations, for one, are kept in memory through an outage.
        if (outage && (await inboundFailed(outage, err, ic, h.name))) continue;
        plog.error({ err, handler: h.name, account: ic.account.name }, 'inbound handler failed; continuing with the next');
      }
    }
  }
  return {
    group: (msg: GroupMessage, account: Account) => run('group', groupInbound(ctx, msg, account)),
    private: (msg: PrivateMessage, account: Account) => run('private', privateInbound(ctx, msg, account)),
    /** Runs every room step; false when one of them failed (it is logged). */
    room: async (event: RoomEvent, account: Account): Promise<boolean> => {
      let ok = true;
      for (const h of handlers) {
        if (!h.room) continue;
        try {
          await h.room(event, account);
        } catch (err) {
          ok = false;
          if (outage?.failed(err, h.name)) continue;
          plog.error({ err, handler: h.name, event: event.type }, 'room event handler failed');
        }
      }
      return ok;
    },
  };
}

export type Pipeline = ReturnType<typeof createPipeline>;
