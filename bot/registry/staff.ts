// Staff membership across bot accounts. A work group's members are known live only to the account
// that serves it; a class group may be on another account (a city needs dozens). So the members
// of registered work groups are recorded as member keys (work_group_member), refreshed whenever
// the serving account loads the members or they change, and checked by name from other accounts.
import type { AppContext } from '../app.ts';
import type { Member } from '../chat-types.ts';
import { memberKey } from '../ledger/member-key.ts';
import type { GroupWithUnit } from './groups.ts';

// What was last recorded per work group (in this process), to skip unchanged member lists.
const recorded = new Map<number, string>();

/** Replaces the recorded members of work group `groupId` with `members` (bot included: harmless). */
export async function recordWorkGroupMembers(ctx: AppContext, groupId: number, members: Member[]): Promise<void> {
  const keys = [...new Set(members.filter((m) => m.name).map((m) => memberKey(ctx.ledgerSecret, groupId, m.name)))].sort();
  const fingerprint = keys.join(',');
  if (recorded.get(groupId) === fingerprint) return;
  const now = ctx.clock.now();
  const client = await ctx.db.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('DELETE FROM work_group_member WHERE group_id = $1 AND NOT (member_key = ANY($2::text[]))', [groupId, keys]);
    await client.query(
      `INSERT INTO work_group_member (group_id, member_key, seen_at) SELECT $1, k, $3 FROM unnest($2::text[]) AS k
       ON CONFLICT (group_id, member_key) DO UPDATE SET seen_at = EXCLUDED.seen_at`,
      [groupId, keys, now],
    );
    await client.query('COMMIT');
    recorded.set(groupId, fingerprint);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * Active or paused work groups served by OTHER accounts whose recorded members include someone
 * with this display name.
 */
export async function workGroupsElsewhere(ctx: AppContext, accountId: number, name: string): Promise<GroupWithUnit[]> {
  const groups = await ctx.db.prisma.chatGroup.findMany({
    where: { kind: 'work', status: { in: ['active', 'paused'] }, botAccountId: { not: accountId } },
    include: { orgUnit: true },
    orderBy: { id: 'asc' },
  });
  if (!groups.length) return [];
  const { rows } = await ctx.db.pool.query<{ group_id: number }>(
    `SELECT m.group_id FROM work_group_member m JOIN unnest($1::int[], $2::text[]) AS w(group_id, member_key)
        ON m.group_id = w.group_id AND m.member_key = w.member_key`,
    [groups.map((g) => g.id), groups.map((g) => memberKey(ctx.ledgerSecret, g.id, name))],
  );
  const hit = new Set(rows.map((r) => r.group_id));
  return groups.filter((g) => hit.has(g.id));
}
