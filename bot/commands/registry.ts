// The command table and the router. Each command is its own module; add one line to COMMANDS.
import type { AppContext, InboundHandler } from '../app.ts';
import type { GroupInbound, PrivateInbound } from '../core/inbound.ts';
import { isDatabaseDown } from '../core/outage.ts';
import { UserError } from '../errors.ts';
import { t } from '../i18n.ts';
import { createRegistration } from '../registry/registration.ts';
import { autoForwardCommand } from './auto-forward.ts';
import { classCommand } from './class.ts';
import { enrollCommand } from './enroll.ts';
import { helpCommand } from './help.ts';
import { pauseCommand, resumeCommand } from './pause-resume.ts';
import { publishCommand } from './publish.ts';
import { remindersToggleCommand } from './reminders-toggle.ts';
import { sourceGroupCommand } from './source-group.ts';
import { statsCommand } from './stats.ts';
import { statusCommand } from './status.ts';
import type { ActivityServices } from '../reports/activity-inbox.ts';
import type { Command, CommandDeps, SourceServices } from './types.ts';
import { unconfirmedCommand } from './unconfirmed.ts';
import { unregisterCommand } from './unregister.ts';
import { activityCommand } from './activity.ts';

/** Every chat command, in #帮助 order. Other areas add their command here, one line each. */
export const COMMANDS: Command[] = [
  enrollCommand,
  classCommand,
  autoForwardCommand,
  pauseCommand,
  resumeCommand,
  unregisterCommand,
  statusCommand,
  sourceGroupCommand,
  publishCommand,
  statsCommand,
  unconfirmedCommand,
  remindersToggleCommand,
  activityCommand,
  helpCommand(() => COMMANDS),
];

/** Longest command we read; longer messages get a polite refusal. */
export const MAX_COMMAND_CHARS = 200;

export interface ParsedCommand {
  name: string;
  args: string[];
}

/**
 * Reads `#name args…` (also full-width `＃`, full-width letters and spaces). Only the first line
 * counts: wechat4u cuts room text at the first ":\n", so later lines may be missing anyway.
 */
export function parseCommand(text: string): ParsedCommand | undefined {
  const first = text.normalize('NFKC').trim().split(/\r?\n/)[0].trim();
  const m = /^#\s*([^\s#]+)(.*)$/u.exec(first);
  if (!m) return undefined;
  const args = m[2].trim() ? m[2].trim().split(/\s+/u) : [];
  return { name: m[1], args };
}

/** Finds a command by name or alias. */
export function findCommand(table: Command[], name: string): Command | undefined {
  return table.find((c) => c.name === name || c.aliases?.includes(name));
}

/** Runs one command and returns the reply text (errors become polite replies). */
export async function runCommand(table: Command[], parsed: ParsedCommand, deps: CommandDeps): Promise<string | undefined> {
  const cmd = findCommand(table, parsed.name);
  if (!cmd) return t('registry.unknown_command', { name: parsed.name.slice(0, 20) });
  if (!cmd.where.includes(deps.where)) {
    return t(deps.where === 'group' ? 'registry.private_only' : 'registry.group_only', { name: cmd.name });
  }
  const input = cmd.schema.safeParse(parsed.args);
  if (!input.success) return t('registry.bad_args', { usage: `#${t(cmd.usageKey)}` });
  try {
    return await cmd.handler(input.data as never, deps);
  } catch (err) {
    if (err instanceof UserError) return t(err.key, err.params);
    // The database is away: the inbound pipeline answers "系统繁忙" and logs it once (bot/core/outage.ts).
    if (isDatabaseDown(err)) throw err;
    deps.ctx.log.child({ name: 'commands' }).error({ err, command: cmd.name, account: deps.account.name }, 'chat command failed');
    return t('registry.sorry');
  }
}

/**
 * The pipeline step for `#` commands, in groups and in private chat. Consumes every message that
 * looks like a command (so it is not captured or counted as a confirmation).
 */
export function createCommandHandler(
  ctx: AppContext,
  opts: {
    table?: Command[];
    sources?: SourceServices;
    activities?: ActivityServices;
    /** Called after a group becomes able to receive posts (e.g. the relay's planLateGroup). */
    onGroupActivated?: (groupId: number) => Promise<unknown> | unknown;
  } = {},
): InboundHandler {
  const table = opts.table ?? COMMANDS;
  const sources = opts.sources;
  const activities = opts.activities;
  // One registration service per handler; it tells the relay when a group can receive posts.
  const registry = createRegistration(ctx, { onGroupActivated: opts.onGroupActivated });
  const log = ctx.log.child({ name: 'commands' });
  async function prepare(text: string): Promise<ParsedCommand | string | undefined> {
    const parsed = parseCommand(text);
    if (!parsed) return undefined;
    if (text.length > MAX_COMMAND_CHARS) return t('registry.too_long', { max: MAX_COMMAND_CHARS });
    return parsed;
  }
  return {
    name: 'commands',
    group: async (ic: GroupInbound) => {
      const { msg, account } = ic;
      if (msg.self || msg.senderIsBot || msg.kind !== 'text') return false;
      const parsed = await prepare(msg.text);
      if (parsed === undefined) return false;
      let reply: string | undefined;
      if (typeof parsed === 'string') reply = parsed;
      else {
        log.debug({ command: parsed.name, room: msg.roomId }, 'group command');
        reply = await runCommand(table, parsed, {
          ctx, account, where: 'group', sender: { id: msg.senderId, name: msg.senderName }, group: msg, registration: await ic.registration(), now: ic.now, sources, activities, registry,
        });
      }
      if (reply) await account.chat.sayToRoom(msg.roomId, { type: 'text', text: reply }, { reply: true });
      return true;
    },
    private: async (ic: PrivateInbound) => {
      const { msg, account } = ic;
      if (msg.self || msg.senderIsOfficial || msg.kind !== 'text') return false;
      const parsed = await prepare(msg.text);
      if (parsed === undefined) return false;
      const reply =
        typeof parsed === 'string'
          ? parsed
          : await runCommand(table, parsed, {
              ctx, account, where: 'private', sender: { id: msg.senderId, name: msg.senderName }, private: msg, now: ic.now, sources, registry,
            });
      if (reply) await account.chat.sayToContact(msg.senderId, { type: 'text', text: reply }, { reply: true });
      return true;
    },
  };
}
