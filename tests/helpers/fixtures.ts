// A generic fixture builder: org units, bot accounts, groups, posts, deliveries and confirmations
// inserted directly with Prisma, so tests of any area can set up a ledger state in a few lines.
import crypto from 'node:crypto';
import type { PrismaClient } from '../../bot/db/client.ts';

type UnitKind = 'city' | 'county' | 'department' | 'school';
type PostKind = 'article' | 'text' | 'letter' | 'attestation' | 'case' | 'video' | 'channel_video';
type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'unknown' | 'skipped';

/** Builds rows step by step; every method returns the created row. */
export function fixtures(prisma: PrismaClient) {
  let seq = 0;
  const next = () => ++seq;
  return {
    /** An org unit; countyId is derived from the parent (a county is its own county). */
    async unit(name: string, kind: UnitKind, parent?: { id: number; countyId: number | null; kind: string }) {
      const u = await prisma.orgUnit.create({ data: { name, kind, parentId: parent?.id ?? null } });
      const countyId = kind === 'county' ? u.id : kind === 'city' ? null : (parent?.kind === 'county' ? parent.id : parent?.countyId ?? null);
      return prisma.orgUnit.update({ where: { id: u.id }, data: { countyId } });
    },
    async account(name = `bot-${next()}`, data: Partial<{ loginState: string; qrUrl: string | null; throttleLevel: number; throttledUntil: Date | null; loginName: string }> = {}) {
      return prisma.botAccount.create({ data: { name, puppet: 'wechaty-puppet-mock', ...data } });
    },
    async group(unit: { id: number }, account: { id: number }, opts: Partial<{ kind: 'work' | 'parent' | 'source'; topic: string; className: string; status: 'active' | 'paused' | 'left' | 'ambiguous'; registeredBy: string; memberCount: number }> = {}) {
      const n = next();
      return prisma.chatGroup.create({
        data: {
          kind: opts.kind ?? 'parent',
          orgUnitId: unit.id,
          botAccountId: account.id,
          topic: opts.topic ?? `群${n}`,
          className: opts.className ?? null,
          status: opts.status ?? 'active',
          registeredBy: opts.registeredBy ?? `老师${n}`,
          ownerKey: crypto.randomBytes(8).toString('hex'),
          memberCount: opts.memberCount ?? 0,
          roomId: `room-${n}`,
        },
      });
    },
    async source(name = '国家反诈中心', opts: Partial<{ kind: 'official' | 'feed' | 'forward' | 'source_group' | 'content'; scope: 'national' | 'city' | 'local' }> = {}) {
      const key = `${opts.kind ?? 'official'}:${name}`;
      return prisma.source.upsert({ where: { key }, update: {}, create: { name, key, kind: opts.kind ?? 'official', scope: opts.scope ?? 'national' } });
    },
    async post(source: { id: number }, opts: Partial<{ title: string; kind: PostKind; capturedAt: Date; code: string }> = {}) {
      const n = next();
      return prisma.post.create({
        data: {
          sourceId: source.id,
          kind: opts.kind ?? 'article',
          title: opts.title ?? `反诈文章${n}`,
          canonicalKey: `fixture:${n}:${crypto.randomBytes(4).toString('hex')}`,
          capturedAt: opts.capturedAt ?? new Date(),
          ...(opts.code ? { code: opts.code } : {}),
        },
      });
    },
    /** A delivery; for status 'sent', members (null: unknown), staff and confirmed fill the coverage counters. */
    async delivery(post: { id: number }, group: { id: number; botAccountId: number }, opts: Partial<{ status: DeliveryStatus; members: number | null; staff: number; confirmed: number; sentAt: Date; error: string }> = {}) {
      const status = opts.status ?? 'sent';
      const sentAt = opts.sentAt ?? new Date();
      return prisma.delivery.create({
        data: {
          postId: post.id,
          groupId: group.id,
          botAccountId: group.botAccountId,
          status,
          dueAt: sentAt,
          sentAt: status === 'sent' ? sentAt : null,
          membersAtSend: status === 'sent' ? (opts.members === undefined ? 0 : opts.members) : null,
          staffAtSend: status === 'sent' ? (opts.staff ?? null) : null,
          confirmed: opts.confirmed ?? 0,
          firstConfirmAt: opts.confirmed ? sentAt : null,
          lastConfirmAt: opts.confirmed ? sentAt : null,
          error: opts.error ?? null,
          attempts: status === 'pending' ? 0 : 1,
        },
      });
    },
    /** Confirmation rows matching a delivery's counter (pseudonymous keys). */
    async confirmations(post: { id: number }, group: { id: number }, count: number, at = new Date()) {
      const rows = Array.from({ length: count }, (_, i) => ({ postId: post.id, groupId: group.id, memberKey: `k${group.id}-${i}`, at, how: 'keyword' as const }));
      await prisma.confirmation.createMany({ data: rows });
    },
  };
}

export type Fixtures = ReturnType<typeof fixtures>;
