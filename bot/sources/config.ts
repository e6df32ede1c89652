// The sources configuration: defaults in content/sources.yml, plus an optional file named by
// SOURCES_FILE whose channels, feeds and admins are added. Validated by zod at start.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { SetupError } from '../errors.ts';

export const DEFAULT_SOURCES_FILE = path.resolve(import.meta.dirname, '../../content/sources.yml');

const scope = z.enum(['national', 'city', 'local'], { message: 'scope must be national, city or local' });

export const sourcesSchema = z.object({
  channels: z.array(z.object({ name: z.string().trim().min(1, { message: 'a channel needs its account name' }), scope: scope.default('city') })).default([]),
  feeds: z
    .array(
      z.object({
        url: z.string().url({ message: 'a feed url must be an http(s) URL' }).refine((u) => /^https?:\/\//.test(u), { message: 'a feed url must start with http:// or https://' }),
        name: z.string().trim().min(1).optional(),
        scope: scope.default('city'),
      }),
    )
    .default([]),
  admins: z.array(z.string().trim().min(1)).default([]),
  pollMinutes: z.number().int().min(5, { message: 'pollMinutes must be at least 5' }).max(1440).default(30),
});

export type SourcesConfig = z.output<typeof sourcesSchema>;

function readFile(file: string): SourcesConfig {
  let raw: unknown;
  try {
    raw = parse(fs.readFileSync(file, 'utf8')) ?? {};
  } catch (err) {
    throw new SetupError(`cannot read the sources file ${file}: ${(err as Error).message.split('\n')[0]} — fix the YAML or unset SOURCES_FILE`);
  }
  const r = sourcesSchema.safeParse(raw);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new SetupError(`the sources file ${file} is invalid: ${problems}`);
  }
  return r.data;
}

/** Reads the defaults and adds the extra file's entries (a channel or feed listed twice counts once). */
export function loadSources(extraFile?: string, defaultsFile = DEFAULT_SOURCES_FILE): SourcesConfig {
  const base = readFile(defaultsFile);
  if (!extraFile) return base;
  const extra = readFile(extraFile);
  const channels = [...base.channels];
  for (const c of extra.channels) if (!channels.some((x) => x.name === c.name)) channels.push(c);
  const feeds = [...base.feeds];
  for (const f of extra.feeds) if (!feeds.some((x) => x.url === f.url)) feeds.push(f);
  return {
    channels,
    feeds,
    admins: [...new Set([...base.admins, ...extra.admins])],
    pollMinutes: extra.pollMinutes ?? base.pollMinutes,
  };
}
