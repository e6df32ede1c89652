// Campaign items kept in content/campaign/*.yml (the semester letter 一封信, the app-install
// attestation, local warning cases): validated by zod and turned into posts, relayed and tracked
// like channel posts. An attestation's confirm_words confirm it, and only it.
import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { parse } from 'yaml';
import { z } from 'zod';

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
 * Creates the post for an item once (per `period` for semester items, e.g. "2026-autumn") and
 * returns its id and short code; calling it again returns the same post.
 */
export async function upsertCampaignPost(pool: pg.Pool, item: CampaignItem, opts: { period?: string; at?: Date } = {}): Promise<{ id: number; code: string; created: boolean }> {
  if (item.schedule === 'semester' && !opts.period) throw new Error(`${item.key} is sent every semester: give the period (e.g. 2026-autumn)`);
  const canonical = `content:${item.key}${item.schedule === 'semester' ? `:${opts.period}` : ''}`;
  const src = await pool.query<{ id: number }>(
    `INSERT INTO source (kind, scope, name, key) VALUES ('content', 'local', '宣传资料', 'content:campaign')
     ON CONFLICT (key) DO UPDATE SET name = source.name RETURNING id`,
  );
  const ins = await pool.query<{ id: number; code: string }>(
    `INSERT INTO post (source_id, kind, title, summary, canonical_key, audience, confirm_words, captured_at, created_by)
     VALUES ($1, $2::"PostKind", $3, $4, $5, $6::"Audience", $7, $8, 'content')
     ON CONFLICT (canonical_key) DO NOTHING RETURNING id, code`,
    [src.rows[0].id, item.kind, item.title, item.body.trimEnd(), canonical, item.audience, item.confirm_words, opts.at ?? new Date()],
  );
  if (ins.rows[0]) return { ...ins.rows[0], created: true };
  const { rows } = await pool.query<{ id: number; code: string }>('SELECT id, code FROM post WHERE canonical_key = $1', [canonical]);
  return { ...rows[0], created: false };
}
