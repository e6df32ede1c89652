// #帮助: the commands the asker may use here (in this kind of chat, with their rights).
import { z } from 'zod';
import { t } from '../i18n.ts';
import { commandWords } from './words.ts';
import { defineCommand, type Command } from './types.ts';

/** The help command over the (lazily read) command table. */
export function helpCommand(table: () => Command[]): Command {
  return defineCommand({
    ...commandWords('help'),
    where: ['group', 'private'],
    usageKey: 'registry.usage_help',
    summaryKey: 'registry.summary_help',
    schema: z.array(z.string()).max(3),
    handler: async (_words, deps) => {
      const lines: string[] = [];
      for (const c of table()) {
        if (c.name === commandWords('help').name || !c.where.includes(deps.where)) continue;
        if (c.allowed && !(await c.allowed(deps))) continue;
        lines.push(t('registry.help_line', { usage: t(c.usageKey), summary: t(c.summaryKey) }));
      }
      if (lines.length === 0) return t('registry.help_none');
      return [t('registry.help_header'), ...lines].join('\n');
    },
  });
}
