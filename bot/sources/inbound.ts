// The pipeline step that captures posts from chat: official-account pushes from the configured
// channels, admin forwards (kept as drafts until #发布), and messages in a bureau source group.
import { z } from 'zod';
import type { Account, AppContext, InboundHandler } from '../app.ts';
import type { PrivateMessage } from '../chat-types.ts';
import type { GroupInbound } from '../core/inbound.ts';
import type { Post } from '../db/client.ts';
import { t } from '../i18n.ts';
import { adminKey, isAdmin } from './admins.ts';
import { capturePost, ensureSource, type CapturedItem, type SourceScope } from './capture.ts';
import type { SourcesConfig } from './config.ts';
import { digestFile } from './media-key.ts';
import { itemsOfMessage, previewItem } from './messages.ts';

export const DRAFT_MINUTES = 30;

export interface SourceCaptureOptions {
  config: SourcesConfig;
  /** Called once for every post that did not exist before (delivery planning hooks in here). */
  onPostCaptured?: (post: Post) => Promise<void> | void;
}

/** A draft waiting for #发布: the items of one forwarded message. */
export const draftSchema = z.object({
  from: z.string(),
  sender: z.string(),
  items: z.array(z.object({
    kind: z.string(), title: z.string(), summary: z.string().optional(), url: z.string().optional(),
    text: z.string().optional(), media: z.array(z.record(z.string(), z.unknown())).optional(),
    externalId: z.string().optional(), canonicalKey: z.string().optional(),
  })),
});

/** Captures items from one source and calls the hook for new posts; returns the posts. */
export async function captureItems(
  ctx: AppContext,
  ref: { kind: 'official' | 'forward' | 'source_group'; scope: SourceScope; name: string; key: string },
  items: CapturedItem[],
  onPostCaptured?: SourceCaptureOptions['onPostCaptured'],
): Promise<{ post: Post; created: boolean }[]> {
  if (items.length === 0) return [];
  const source = await ensureSource(ctx.db.prisma, ref);
  const out: { post: Post; created: boolean }[] = [];
  for (const item of items) {
    const r = await capturePost(ctx.db.prisma, source, item, ctx.clock.now());
    out.push(r);
    if (r.created) await onPostCaptured?.(r.post);
  }
  return out;
}

/** The source-capture step of the inbound pipeline. */
export function createSourceCapture(ctx: AppContext, opts: SourceCaptureOptions): InboundHandler {
  const log = ctx.log.child({ name: 'sources' });
  const channels = new Map(opts.config.channels.map((c) => [c.name, c]));

  async function officialPush(msg: PrivateMessage): Promise<boolean> {
    const channel = channels.get(msg.senderName);
    if (!channel) {
      log.debug({ from: msg.senderName }, 'official-account message from an account that is not a configured channel; ignored');
      return true;
    }
    const items = itemsOfMessage(msg, channel.name, await digestFile(msg.file, log));
    const r = await captureItems(ctx, { kind: 'official', scope: channel.scope, name: channel.name, key: `official:${channel.name}` }, items, opts.onPostCaptured);
    log.info({ channel: channel.name, kind: msg.kind, items: items.length, created: r.filter((x) => x.created).length }, 'official-account push captured');
    return true;
  }

  async function adminForward(msg: PrivateMessage, account: Account): Promise<boolean> {
    const sender = { id: msg.senderId, name: msg.senderName };
    if (!(await isAdmin(ctx, account, opts.config, sender))) return false;
    const items = itemsOfMessage(msg, msg.senderName, await digestFile(msg.file, log));
    if (items.length === 0) return false;
    const now = ctx.clock.now();
    const key = adminKey(ctx, account, msg.senderName);
    await ctx.db.prisma.$transaction([
      ctx.db.prisma.draft.deleteMany({ where: { adminKey: key } }),
      ctx.db.prisma.draft.create({
        data: {
          adminKey: key,
          payload: { from: msg.senderName, sender: msg.senderName, items } as never,
          createdAt: now,
          expiresAt: new Date(now.getTime() + DRAFT_MINUTES * 60_000),
        },
      }),
    ]);
    const preview = items.map((i) => previewItem(i, t('common.bot_name'))).join('\n———\n');
    await account.chat.sayToContact(msg.senderId, { type: 'text', text: t('registry.draft_preview', { preview, minutes: DRAFT_MINUTES }) });
    return true;
  }

  return {
    name: 'sources',
    private: async ({ msg, account }) => {
      if (msg.self) return false;
      if (msg.senderIsOfficial) return officialPush(msg);
      return adminForward(msg, account);
    },
    group: async (ic: GroupInbound) => {
      const { msg, account } = ic;
      if (msg.self || msg.senderIsBot) return false;
      // Cheap test first: chatter (text without a link) is never publicity, in any group, so it
      // costs no registration lookup.
      if (msg.kind === 'text' && !/https?:\/\//.test(msg.text)) return false;
      const reg = await ic.registration();
      if (!reg?.attached || reg.group.kind !== 'source' || reg.group.status !== 'active') return false;
      if (!(await isAdmin(ctx, account, opts.config, { id: msg.senderId, name: msg.senderName }))) {
        log.debug({ group: reg.group.id }, 'source-group message from a member who is not a bureau admin; not captured');
        return false;
      }
      const items = itemsOfMessage(msg, reg.group.orgUnit.name, await digestFile(msg.file, log));
      const r = await captureItems(
        ctx,
        { kind: 'source_group', scope: reg.group.orgUnit.kind === 'city' ? 'city' : 'local', name: reg.group.orgUnit.name, key: `source_group:${reg.group.id}` },
        items.map((i) => ({ ...i, createdBy: msg.senderName })),
        opts.onPostCaptured,
      );
      log.info({ group: reg.group.id, items: items.length, created: r.filter((x) => x.created).length }, 'source-group message captured');
      return items.length > 0;
    },
  };
}
