// Capturing a post: one `post` row per canonical key, one `post_origin` row per source that
// carried it. Delivery planning is not done here: the caller's onPostCaptured hook does it.
import type { Post, PrismaClient, Source } from '../db/client.ts';
import { t } from '../i18n.ts';
import { canonicalKey } from './canonical.ts';

export type SourceKind = 'official' | 'feed' | 'forward' | 'source_group' | 'content';
export type SourceScope = 'national' | 'city' | 'local';
export type PostKind = Post['kind'];

export interface SourceRef {
  kind: SourceKind;
  scope: SourceScope;
  name: string;
  /** Stable identity, e.g. "official:国家反诈中心" or "feed:https://…". */
  key: string;
}

export interface MediaRef {
  type: 'image' | 'video' | 'file' | 'channel_video' | 'mini_program';
  name?: string;
  url?: string;
  path?: string;
  mime?: string;
  /** Raw data that cannot be re-sent but is kept for the record (e.g. a 视频号 feed id). */
  raw?: Record<string, unknown>;
}

/** A content item from any source, before it becomes a post. */
export interface CapturedItem {
  kind: PostKind;
  title: string;
  summary?: string;
  url?: string;
  /** Text to hash when there is no URL (defaults to title + summary). */
  text?: string;
  media?: MediaRef[];
  /** The source's own id of the item (feed guid, message id, …). */
  externalId?: string;
  publishedAt?: Date;
  audience?: 'all' | 'work' | 'parent';
  urgent?: boolean;
  confirmWords?: string[];
  createdBy?: string;
  /** Overrides the computed key (content/ items use "content:<id>"). */
  canonicalKey?: string;
  /** Keys under which the same content may already be a post (media: the previous window). */
  sameAs?: string[];
}

export interface CaptureResult {
  post: Post;
  /** True when this item created the post (false: another source or an earlier copy had it). */
  created: boolean;
}

/**
 * Finds or creates the source row. Two accounts seeing a channel's first push at once race on
 * the unique key: the loser reads the winner's row.
 */
export async function ensureSource(prisma: PrismaClient, ref: SourceRef): Promise<Source> {
  const found = await prisma.source.findUnique({ where: { key: ref.key } });
  if (found) return found;
  try {
    return await prisma.source.create({ data: { kind: ref.kind, scope: ref.scope, name: ref.name, key: ref.key } });
  } catch (err) {
    if ((err as { code?: string }).code !== 'P2002') throw err;
    return prisma.source.findUniqueOrThrow({ where: { key: ref.key } });
  }
}

const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + '…' : s);

/**
 * Inserts the post unless its canonical key exists, and records the origin either way. Safe under
 * concurrency, and gapless: a post takes its code (F123) only when it is created. Creators take the
 * post-code counter's row lock, then look for the key again, so two sources racing with the same
 * item never both insert (and never burn a code on a conflict).
 */
export async function capturePost(prisma: PrismaClient, source: Source, item: CapturedItem, at: Date): Promise<CaptureResult> {
  let key = item.canonicalKey ?? canonicalKey(item);
  if (item.sameAs?.length) {
    const earlier = await prisma.post.findFirst({ where: { canonicalKey: { in: item.sameAs } }, select: { canonicalKey: true } });
    if (earlier) key = earlier.canonicalKey;
  }
  const origin = (postId: number) =>
    prisma.postOrigin.createMany({ data: [{ postId, sourceId: source.id, externalId: item.externalId ?? '', seenAt: at }], skipDuplicates: true });
  // Fast path: a repeat (another account, another channel, a second push) takes no lock.
  const existing = await prisma.post.findUnique({ where: { canonicalKey: key }, select: { id: true } });
  let row: { id: number; created: boolean };
  if (existing) {
    await origin(existing.id);
    row = { id: existing.id, created: false };
  } else {
    row = await prisma.$transaction(
      async (tx) => {
        await tx.$queryRawUnsafe('SELECT last FROM post_code_counter WHERE id = 1 FOR UPDATE');
        const again = await tx.post.findUnique({ where: { canonicalKey: key }, select: { id: true } });
        if (again) {
          await tx.postOrigin.createMany({ data: [{ postId: again.id, sourceId: source.id, externalId: item.externalId ?? '', seenAt: at }], skipDuplicates: true });
          return { id: again.id, created: false };
        }
        const ins = await tx.$queryRawUnsafe<{ id: number }[]>(
          `WITH p AS (
             INSERT INTO post (source_id, kind, title, summary, url, media, canonical_key, audience, urgent, confirm_words, captured_at, published_at, created_by)
             VALUES ($1, $2::"PostKind", $3, $4, $5, $6::jsonb, $7, $8::"Audience", $9, $10::text[], $11, $12, $13)
             RETURNING id),
           o AS (
             INSERT INTO post_origin (post_id, source_id, external_id, seen_at) SELECT id, $1, $14, $11 FROM p)
           SELECT id FROM p`,
          source.id,
          item.kind,
          clip(item.title.trim() || t('sources.untitled'), 200),
          clip((item.summary ?? '').trim(), 1000),
          item.url ?? null,
          JSON.stringify(item.media ?? []),
          key,
          item.audience ?? 'all',
          item.urgent ?? false,
          item.confirmWords ?? [],
          at,
          item.publishedAt ?? null,
          item.createdBy ?? null,
          item.externalId ?? '',
        );
        return { id: ins[0].id, created: true };
      },
      { timeout: 30_000, maxWait: 30_000 },
    );
  }
  const { id, created } = row;
  const post = await prisma.post.findUniqueOrThrow({ where: { id } });
  return { post, created };
}
