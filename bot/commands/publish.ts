// #发布 [紧急] (private chat, bureau admins): the last forwarded draft becomes a post.
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { t } from '../i18n.ts';
import { audit } from '../registry/audit.ts';
import { adminKey, isAdmin } from '../sources/admins.ts';
import type { CapturedItem } from '../sources/capture.ts';
import { captureItems, draftSchema } from '../sources/inbound.ts';
import { commandWords, isWord } from './words.ts';
import { defineCommand } from './types.ts';

export const publishCommand = defineCommand({
  ...commandWords('publish'),
  where: ['private'],
  usageKey: 'registry.usage_publish',
  summaryKey: 'registry.summary_publish',
  schema: z.array(z.string()).max(1).refine((w) => w.length === 0 || isWord('urgent', w[0])).transform((w) => w.length === 1),
  allowed: (deps) => isAdmin(deps.ctx, deps.account, deps.sources?.config, deps.sender),
  handler: async (urgent, deps) => {
    const { ctx, account } = deps;
    if (!(await isAdmin(ctx, account, deps.sources?.config, deps.sender))) throw new UserError('registry.not_admin');
    const key = adminKey(ctx, account, deps.sender.name);
    const draft = await ctx.db.prisma.draft.findFirst({ where: { adminKey: key, expiresAt: { gt: deps.now } }, orderBy: { id: 'desc' } });
    if (!draft) throw new UserError('registry.publish_none');
    const payload = draftSchema.parse(draft.payload);
    const items = payload.items.map((i) => ({ ...i, urgent, createdBy: deps.sender.name }) as CapturedItem);
    const results = await captureItems(
      ctx,
      { kind: 'forward', scope: 'city', name: t('sources.admin_forward'), key: 'forward:admins' },
      items,
      deps.sources?.onPostCaptured,
    );
    await ctx.db.prisma.draft.delete({ where: { id: draft.id } });
    await audit(ctx.db.prisma, { actor: deps.sender.name, action: 'post.published', at: deps.now, detail: { posts: results.map((r) => r.post.code), urgent } });
    const created = results.filter((r) => r.created);
    if (created.length === 0) return t('registry.publish_dup', { code: results.map((r) => r.post.code).join(t('common.separator')) });
    return t('registry.publish_ok', { code: created.map((r) => r.post.code).join(t('common.separator')), urgent: urgent ? t('registry.publish_urgent') : '' });
  },
});
