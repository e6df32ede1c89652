// Command words come from content/locales/zh-CN/commands.yml: every command finds its name and
// aliases there, and the commands that take 开/关 understand the same words (they had drifted:
// "停" worked for #提醒 only).
import { describe, expect, it } from 'vitest';
import { autoForwardCommand } from '../../bot/commands/auto-forward.ts';
import { COMMANDS, findCommand, parseCommand } from '../../bot/commands/registry.ts';
import { remindersToggleCommand } from '../../bot/commands/reminders-toggle.ts';
import { list } from '../../bot/i18n.ts';

describe('command words', () => {
  it('every command takes its name and aliases from the locale, and each word finds one command', () => {
    const words = COMMANDS.flatMap((c) => [c.name, ...(c.aliases ?? [])]);
    expect(words.length).toBeGreaterThanOrEqual(COMMANDS.length);
    expect(new Set(words).size).toBe(words.length);
    const ids = ['enroll', 'class', 'auto_forward', 'pause', 'resume', 'unregister', 'status', 'source_group', 'publish', 'stats', 'unconfirmed', 'reminders', 'help', 'activity'];
    expect(COMMANDS.map((c) => c.name).sort()).toEqual(ids.map((id) => list(`commands.names.${id}`)[0]).sort());
  });

  it.each(['开', '开启', '打开', 'on', 'ＯＮ', '关', '关闭', '停', 'off', 'OFF'])('#自动转发 and #提醒 read "%s" the same way', (w) => {
    const auto = autoForwardCommand.schema.safeParse([w]);
    const rem = remindersToggleCommand.schema.safeParse([w]);
    expect(auto.success).toBe(true);
    expect(rem.success).toBe(true);
    expect((rem.data as { on: boolean }).on).toBe(auto.data);
  });

  it('refuses other words and extra arguments', () => {
    for (const args of [['也许'], [], ['开', '关']]) {
      expect(autoForwardCommand.schema.safeParse(args).success).toBe(false);
      expect(remindersToggleCommand.schema.safeParse(args).success).toBe(false);
    }
  });

  it('finds commands by aliases from the locale', () => {
    expect(findCommand(COMMANDS, parseCommand('#覆盖率')!.name)?.name).toBe('统计');
    expect(findCommand(COMMANDS, parseCommand('#菜单')!.name)?.name).toBe('帮助');
  });
});
