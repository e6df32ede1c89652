// Campaign items kept in content/campaign/*.yml (the semester letter 一封信, the app-install
// attestation, local warning cases): validated by zod and turned into posts, relayed and tracked
// like channel posts. An attestation's confirm_words confirm it, and only it.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import type { AppContext } from '../app.ts';
import type { Post } from '../db/client.ts';
import { t } from '../i18n.ts';
import { capturePost, ensureSource, type CapturedItem } from '../sources/capture.ts';

export const CAMPAIGN_DIR = path.resolve(import.meta.dirname, '../../content/campaign');

export const campaignItemSchema = z.object({
  key: z.string().regex(/^[a-z0-9-]+$/, { message: 'key must be lower-case letters, digits and "-"' }),
  kind: z.enum(['letter', 'attestation', 'case', 'text']),
  audience: z.enum(['all', 'work', 'parent']),
  /** semester: once per semester (a new post per period); once: a single post. */
  schedule: z.enum(['semester', 'once']),
  sample: z.boolean().default(false),
  title: z.string().min(4).max(120),
  summary: z.string().min(4),
  body: z.string().min(4),
  confirm_words: z.array(z.string().min(1)).default([]),
}).refine((i) => (i.kind === 'attestation') === i.confirm_words.length > 0, {
  message: 'an attestation needs confirm_words (e.g. [已安装]); other kinds must leave them empty',
});

export type CampaignItem = z.infer<typeof campaignItemSchema>;

/** Reads and validates every item; throws one Error naming each bad file and field. */
export function loadCampaignItems(dir = CAMPAIGN_DIR): CampaignItem[] {
  const problems: string[] = [];
  const items: CampaignItem[] = [];
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.yml')).sort()) {
    const r = campaignItemSchema.safeParse(parse(fs.readFileSync(path.join(dir, f), 'utf8')));
    if (r.success) items.push(r.data);
    else problems.push(...r.error.issues.map((i) => `${f}: ${i.path.join('.') || 'item'}: ${i.message}`));
  }
  if (problems.length) throw new Error(`content/campaign has invalid items:\n- ${problems.join('\n- ')}`);
  const seen = new Set<string>();
  for (const i of items) {
    if (seen.has(i.key)) throw new Error(`content/campaign: the key ${i.key} is used twice`);
    seen.add(i.key);
  }
  return items;
}

/**
 * The item as a captured item for the sources' capture (bot/sources/capture.ts): semester items
 * get one post per `period` (e.g. "2026-autumn"); the full body is the post's text.
 */
export function toCapturedItem(item: CampaignItem, period?: string): CapturedItem {
  if (item.schedule === 'semester' && !period) throw new Error(`${item.key} is sent every semester: give the period (e.g. 2026-autumn)`);
  const id = item.schedule === 'semester' ? `${item.key}.${period}` : item.key;
  return {
    kind: item.kind,
    title: item.title,
    summary: item.body.trimEnd(),
    audience: item.audience,
    confirmWords: item.confirm_words,
    externalId: id,
    canonicalKey: `content:${id}`,
    createdBy: 'content/campaign',
  };
}

/**
 * Captures the item as a post once (per period for semester items) through the same capture as
 * channel posts; `onPostCaptured` (delivery planning) runs only when the post is new.
 */
export async function captureCampaignItem(
  ctx: AppContext,
  item: CampaignItem,
  opts: { period?: string; onPostCaptured?: (post: Post) => Promise<void> | void } = {},
): Promise<{ post: Post; created: boolean }> {
  const source = await ensureSource(ctx.db.prisma, { kind: 'content', scope: 'local', name: t('sources.content_campaign'), key: 'content:campaign' });
  const r = await capturePost(ctx.db.prisma, source, toCapturedItem(item, opts.period), ctx.clock.now());
  if (r.created) await opts.onPostCaptured?.(r.post);
  return r;
}
