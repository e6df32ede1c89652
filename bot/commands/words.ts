// Command words from content/locales (commands.yml): names, aliases and argument words, so the
// words users type live with the other user-facing text and commands cannot drift apart.
import { z } from 'zod';
import { list } from '../i18n.ts';

/** How a typed word is compared: full-width folded (NFKC), trimmed, lower case. */
export function foldWord(w: string): string {
  return w.normalize('NFKC').trim().toLowerCase();
}

/** `name` and `aliases` of the command `id` (commands.names.<id>: first word is the name). */
export function commandWords(id: string): { name: string; aliases: string[] } {
  const [name, ...aliases] = list(`commands.names.${id}`);
  return { name, aliases };
}

/** True when `w` is one of the argument words under commands.words.<key>. */
export function isWord(key: string, w: string): boolean {
  return list(`commands.words.${key}`).map(foldWord).includes(foldWord(w));
}

/** One argument, an "on" or an "off" word (开/关 …); parses to true for on. */
export const onOffSchema = z
  .array(z.string())
  .refine((a) => a.length === 1 && (isWord('on', a[0]) || isWord('off', a[0])))
  .transform((a) => isWord('on', a[0]));
