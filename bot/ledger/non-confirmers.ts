// Who has not confirmed: the group's audience (families in parent groups, read live from the room
// by bot/ledger/audience.ts; names never stored) whose member key is missing from the post's
// confirmations.
import type pg from 'pg';
import type { Member } from '../chat-types.ts';
import { memberKey } from './member-key.ts';

/** For each post, the live members who have not confirmed it (in room order). */
export async function nonConfirmers(
  pool: pg.Pool,
  secret: string,
  groupId: number,
  members: Member[],
  postIds: number[],
): Promise<Map<number, Member[]>> {
  const { rows } = await pool.query<{ post_id: number; member_key: string }>(
    'SELECT post_id, member_key FROM confirmation WHERE group_id = $1 AND post_id = ANY($2::int[])',
    [groupId, postIds],
  );
  const done = new Map<number, Set<string>>(postIds.map((id) => [id, new Set()]));
  for (const r of rows) done.get(r.post_id)!.add(r.member_key);
  const keyed = members.map((m) => ({ m, key: memberKey(secret, groupId, m.name) }));
  return new Map(postIds.map((id) => [id, keyed.filter((k) => !done.get(id)!.has(k.key)).map((k) => k.m)]));
}
