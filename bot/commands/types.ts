// The shape of a chat command module (one command per file in bot/commands/).
import type { z } from 'zod';
import type { Account, AppContext } from '../app.ts';
import type { GroupMessage, PrivateMessage } from '../chat-types.ts';
import type { Post } from '../db/client.ts';
import type { RoomRegistration } from '../registry/groups.ts';
import type { RegistrationService } from '../registry/registration.ts';
import type { ActivityServices } from '../reports/activity-inbox.ts';
import type { SourcesConfig } from '../sources/config.ts';

/** What the source commands (#发布, #来源群) need from the wiring. */
export interface SourceServices {
  config: SourcesConfig;
  onPostCaptured?: (post: Post) => Promise<void> | void;
}

export type Where = 'group' | 'private';

/** What a command handler receives besides its parsed arguments. */
export interface CommandDeps {
  ctx: AppContext;
  account: Account;
  where: Where;
  sender: { id: string; name: string };
  /** The group message (when `where` is 'group'). */
  group?: GroupMessage;
  /** The private message (when `where` is 'private'). */
  private?: PrivateMessage;
  /** The registration of this room, looked up once per command (groups only). */
  registration?: RoomRegistration;
  now: Date;
  /** Present when main.ts wired the sources (createCommandHandler's options). */
  sources?: SourceServices;
  /** Present when the activity inbox is wired (#活动). */
  activities?: ActivityServices;
  /** The registration service (bot/registry/registration.ts): the trust chain's operations on a group. */
  registry: RegistrationService;
}

/** A chat command: `#name args…`. Arguments are the whitespace-separated words after the name. */
export interface Command {
  name: string;
  aliases?: string[];
  /** Where the command may be used. */
  where: Where[];
  /** Locale keys of its usage line and one-line summary (for #帮助 and argument errors). */
  usageKey: string;
  summaryKey: string;
  /** Parses the argument words (an array of strings). */
  schema: z.ZodType;
  /** Whether the asker may use it here (used by #帮助; handlers still refuse with a reason). */
  allowed?: (deps: CommandDeps) => Promise<boolean>;
  /** Returns the reply text (or nothing). Throws UserError for expected refusals. */
  handler: (input: never, deps: CommandDeps) => Promise<string | undefined>;
}

/** Declares a command with its argument type checked against its schema. */
export function defineCommand<S extends z.ZodType>(
  c: Omit<Command, 'schema' | 'handler'> & { schema: S; handler: (input: z.output<S>, deps: CommandDeps) => Promise<string | undefined> },
): Command {
  return c as unknown as Command;
}
