// content/ items (the semester letter, the app-install attestation, local warning cases) become
// posts through the same capture, keyed "content:<id>" so that re-running a schedule never makes a
// second post. The relay schedules when they are captured.
import { z } from 'zod';
import type { AppContext } from '../app.ts';
import type { Post } from '../db/client.ts';
import { capturePost, ensureSource, type CapturedItem } from './capture.ts';

export const contentItemSchema = z.object({
  id: z.string().trim().min(1).regex(/^[\w.-]+$/, { message: 'an item id uses letters, digits, ".", "-" or "_"' }),
  kind: z.enum(['letter', 'attestation', 'case', 'article', 'text']),
  title: z.string().trim().min(1),
  summary: z.string().default(''),
  url: z.string().url().optional(),
  audience: z.enum(['all', 'work', 'parent']).default('all'),
  confirmWords: z.array(z.string().min(1)).default([]),
});

export type ContentItem = z.output<typeof contentItemSchema>;

/** Captures a content/ item as a post (once; later calls return the same post). */
export async function captureContentItem(
  ctx: AppContext,
  item: ContentItem,
  onPostCaptured?: (post: Post) => Promise<void> | void,
): Promise<{ post: Post; created: boolean }> {
  const source = await ensureSource(ctx.db.prisma, { kind: 'content', scope: 'local', name: 'content/', key: 'content:local' });
  const captured: CapturedItem = {
    kind: item.kind, title: item.title, summary: item.summary, url: item.url, audience: item.audience,
    confirmWords: item.confirmWords, externalId: item.id, canonicalKey: `content:${item.id}`, createdBy: 'content/',
  };
  const r = await capturePost(ctx.db.prisma, source, captured, ctx.clock.now());
  if (r.created) await onPostCaptured?.(r.post);
  return r;
}
