// Collects activity photos and videos from registered work groups. The flow, natural in WeChat
// (a caption cannot travel with a picture):
//   1. staff send the photos / videos of an activity in their unit's work group, then
//      `#活动 主题班会`: the bot files that sender's pictures of the last 30 minutes under the caption
//      and confirms with the counts;
//   2. or `#活动 主题班会` first: the sender's pictures of the next 30 minutes are filed under it, and
//      the bot confirms once they stop coming (one message per batch, not one per picture).
// Pictures nobody files are never downloaded: before a `#活动`, only a reference to the message is
// kept in memory (30 minutes, at most 30 per sender). Parent groups are never collected from.
import type { Account, AppContext, InboundHandler } from '../app.ts';
import type { MessageFile } from '../chat-types.ts';
import type { GroupInbound } from '../core/inbound.ts';
import { t } from '../i18n.ts';
import { memberKey } from '../ledger/member-key.ts';
import { addMedia, createActivity, mediaCounts, openActivity, type MediaKind } from './activities.ts';

export interface ActivityOptions {
  /** Where files go (default: DATA_DIR). */
  dataDir?: string;
  /** How long pictures and an open `#活动` stay together (default 30 min). */
  windowMs?: number;
  /** Quiet time after the last picture before the batch is confirmed (default 60 s). */
  confirmAfterMs?: number;
  /** Largest file kept (default 100 MB). */
  maxBytes?: number;
}

export interface StartedActivity {
  activityId: number;
  filed: number;
  failed: number;
  image: number;
  video: number;
}

/** What `#活动` (bot/commands/activity.ts) uses. */
export interface ActivityServices {
  windowMinutes: number;
  /** Opens an activity for the sender and files their pictures of the last window. */
  start(o: { account: Account; group: { id: number; orgUnitId: number }; roomId: string; senderName: string; caption: string; at: Date }): Promise<StartedActivity>;
}

interface Pending {
  kind: MediaKind;
  file: MessageFile;
  at: Date;
}

const MAX_PENDING = 30;
const MB = 1024 * 1024;

/** The pipeline step for pictures in work groups, and the services of `#活动`. */
export function createActivityInbox(ctx: AppContext, opts: ActivityOptions = {}): { handler: InboundHandler; services: ActivityServices; stop: () => void } {
  const log = ctx.log.child({ name: 'activity' });
  const dataDir = opts.dataDir ?? ctx.config.dataDir;
  const windowMs = opts.windowMs ?? 30 * 60_000;
  const confirmAfterMs = opts.confirmAfterMs ?? 60_000;
  const maxBytes = opts.maxBytes ?? 100 * MB;
  const pending = new Map<string, Pending[]>();
  const batches = new Map<number, { timer: NodeJS.Timeout; added: number; caption: string; roomId: string; account: Account }>();
  const keyOf = (groupId: number, senderName: string) => memberKey(ctx.ledgerSecret, groupId, senderName);
  const fresh = (list: Pending[], now: Date) => list.filter((p) => now.getTime() - p.at.getTime() <= windowMs);

  /** Downloads and files one picture; 'big' when over the size limit. */
  async function file(activityId: number, orgUnitId: number, p: Pending): Promise<'ok' | 'dup' | 'big' | 'failed'> {
    let f: { name: string; bytes: Buffer };
    try {
      f = await p.file.load();
    } catch (err) {
      log.warn({ err: (err as Error).message, activity: activityId }, 'could not download a picture from WeChat');
      return 'failed';
    }
    // WeChat answers an expired or unknown message id with an empty body.
    if (!f.bytes.length) {
      log.warn({ activity: activityId }, 'WeChat sent an empty file (expired?)');
      return 'failed';
    }
    if (f.bytes.length > maxBytes) return 'big';
    try {
      const added = await addMedia(ctx.db.pool, dataDir, { activityId, orgUnitId, media: { kind: p.kind, name: f.name, data: f.bytes, at: p.at }, timeZone: ctx.config.timeZone });
      return added ? 'ok' : 'dup';
    } catch (err) {
      log.error({ err, activity: activityId }, 'could not store a picture under DATA_DIR');
      return 'failed';
    }
  }

  function confirmLater(activityId: number, caption: string, roomId: string, account: Account): void {
    const b = batches.get(activityId) ?? { timer: undefined as unknown as NodeJS.Timeout, added: 0, caption, roomId, account };
    clearTimeout(b.timer);
    b.added++;
    b.timer = setTimeout(() => {
      batches.delete(activityId);
      void (async () => {
        const c = await mediaCounts(ctx.db.pool, activityId);
        await account.chat.sayToRoom(roomId, { type: 'text', text: t('bureau.activity.batch_filed', { caption, added: b.added, image: c.image, video: c.video }) });
      })().catch((err) => log.error({ err, activity: activityId }, 'could not confirm the pictures of an activity'));
    }, confirmAfterMs);
    b.timer.unref?.();
    batches.set(activityId, b);
  }

  const handler: InboundHandler = {
    name: 'activity',
    group: async (ic: GroupInbound) => {
      const { msg, account } = ic;
      if ((msg.kind !== 'image' && msg.kind !== 'video') || msg.self || msg.senderIsBot || !msg.file) return false;
      const reg = await ic.registration();
      const group = reg?.matchedBy === 'room' && reg.group.status === 'active' ? reg.group : undefined;
      if (!group || group.kind !== 'work') {
        log.debug({ room: msg.roomId }, 'bail out: a picture outside a registered work group');
        return false;
      }
      const key = keyOf(group.id, msg.senderName);
      const item: Pending = { kind: msg.kind, file: msg.file, at: msg.at };
      const open = await openActivity(ctx.db.pool, group.id, key, new Date(msg.at.getTime() - windowMs));
      if (!open) {
        pending.set(key, [...fresh(pending.get(key) ?? [], msg.at), item].slice(-MAX_PENDING));
        return true;
      }
      const r = await file(open.id, group.orgUnitId, item);
      if (r === 'ok') confirmLater(open.id, open.caption, msg.roomId, account);
      else if (r === 'big') await account.chat.sayToRoom(msg.roomId, { type: 'text', text: t('bureau.activity.too_big', { max: Math.round(maxBytes / MB) }) });
      else if (r === 'failed') await account.chat.sayToRoom(msg.roomId, { type: 'text', text: t('bureau.activity.download_failed', { n: 1 }) });
      return true;
    },
  };

  const services: ActivityServices = {
    windowMinutes: Math.round(windowMs / 60_000),
    start: async ({ group, senderName, caption, at }) => {
      const key = keyOf(group.id, senderName);
      const activityId = await createActivity(ctx.db.pool, { orgUnitId: group.orgUnitId, groupId: group.id, caption, senderKey: key, at });
      const mine = fresh(pending.get(key) ?? [], at);
      pending.delete(key);
      let filed = 0;
      let failed = 0;
      for (const p of mine) {
        const r = await file(activityId, group.orgUnitId, p);
        if (r === 'ok') filed++;
        else if (r !== 'dup') failed++;
      }
      log.info({ activity: activityId, group: group.id, filed, failed }, 'activity opened');
      return { activityId, filed, failed, ...(await mediaCounts(ctx.db.pool, activityId)) };
    },
  };

  return {
    handler,
    services,
    stop: () => {
      for (const b of batches.values()) clearTimeout(b.timer);
      batches.clear();
      pending.clear();
    },
  };
}
