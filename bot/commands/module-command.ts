// Adapts a group command module written as { name, aliases, schema, handler({ args, msg }, { ctx,
// account }) } (the ledger's commands) to the command table. The module validates its own args.
import { z } from 'zod';
import type { Account, AppContext } from '../app.ts';
import type { GroupMessage } from '../chat-types.ts';
import { managesRoom } from './manage.ts';
import { defineCommand, type Command } from './types.ts';

export interface GroupCommandModule {
  name: string;
  aliases?: string[];
  schema: z.ZodType;
  handler: (input: { args: string[]; msg: GroupMessage }, deps: { ctx: AppContext; account: Account }) => Promise<string | undefined>;
}

/** A group-only command for the owner or unit contact (as #帮助 shows it). */
export function fromGroupModule(mod: GroupCommandModule, usageKey: string, summaryKey: string): Command {
  return defineCommand({
    name: mod.name,
    aliases: mod.aliases,
    where: ['group'],
    usageKey,
    summaryKey,
    schema: z.array(z.string()),
    allowed: managesRoom,
    handler: (args, deps) => mod.handler({ args, msg: deps.group! }, { ctx: deps.ctx, account: deps.account }),
  });
}
