// Planning: one delivery row per (post, group), in one transaction with one bulk insert.
//
// Decision: groups that cannot receive a post (paused, left, ambiguous, a parent group whose
// teacher has not turned auto-forwarding on, no window in sight) get a `skipped` row at planning
// time with the reason in `error`, so `antifraud deliveries <code>` shows every registered group.
// The worker checks the group again when a delivery's turn comes (it may have been paused since).
// A skipped row that was never attempted is revived by planLateGroup (e.g. on resume/opt-in).
import type { PoolClient } from 'pg';
import type { AppContext } from '../app.ts';
import { forwardsAutomatically } from '../registry/forwarding.ts';
import type { RelaySettings } from './settings.ts';
import { nextSendTime } from './windows.ts';

export interface PlanGroup {
  id: number;
  kind: 'work' | 'parent' | 'source';
  status: 'active' | 'paused' | 'left' | 'ambiguous';
  status_reason: string | null;
  auto_forward: boolean;
  bot_account_id: number;
  settings: unknown;
}

export interface PlanPost {
  id: number;
  code: string;
  audience: 'all' | 'work' | 'parent';
  urgent: boolean;
}

export interface PlanResult {
  /** Rows inserted (or revived) as pending. */
  pending: number;
  /** Rows inserted as skipped. */
  skipped: number;
  /** Groups that already had a row for the post (left as they were). */
  existing: number;
}

interface Row {
  groupId: number;
  accountId: number;
  status: 'pending' | 'skipped';
  dueAt: Date;
  error: string | null;
}

/** Why `group` cannot get posts now, or null when it can. */
export function skipReason(group: Pick<PlanGroup, 'kind' | 'status' | 'status_reason' | 'auto_forward'>): string | null {
  if (group.status !== 'active') return `group ${group.status}${group.status_reason ? `: ${group.status_reason}` : ''}`;
  if (group.kind === 'parent' && !forwardsAutomatically({ kind: group.kind, autoForward: group.auto_forward })) {
    return 'auto-forward is off for this parent group';
  }
  return null;
}

/** The delivery row for one (post, group) pair at `now`. */
export function planRow(post: PlanPost, group: PlanGroup, now: Date, settings: RelaySettings, tz: string): Row {
  const base = { groupId: group.id, accountId: group.bot_account_id };
  const reason = skipReason(group);
  if (reason) return { ...base, status: 'skipped', dueAt: now, error: reason };
  const due = nextSendTime(post, group, now, settings, tz);
  if (!due) return { ...base, status: 'skipped', dueAt: now, error: 'no relay window opens within 60 days' };
  return { ...base, status: 'pending', dueAt: due, error: null };
}

const KINDS: Record<PlanPost['audience'], string[]> = { all: ['work', 'parent'], work: ['work'], parent: ['parent'] };

/**
 * Bulk upsert; a skipped row never attempted is revived when it may now be sent. `catchUp` marks
 * a late group's backlog (claimed after the due fresh deliveries, see deliveries.ts claimDue).
 */
async function insertRows(client: PoolClient, postId: number, rows: Row[], catchUp: boolean): Promise<PlanResult> {
  if (!rows.length) return { pending: 0, skipped: 0, existing: 0 };
  const { rows: done } = await client.query<{ status: string }>(
    `INSERT INTO delivery (post_id, group_id, bot_account_id, status, due_at, error, catch_up)
     SELECT $1, g, a, s::"DeliveryStatus", d, e, $7
       FROM unnest($2::int[], $3::int[], $4::text[], $5::timestamptz[], $6::text[]) AS t(g, a, s, d, e)
     ON CONFLICT (post_id, group_id) DO UPDATE
        SET status = 'pending', due_at = EXCLUDED.due_at, error = NULL, catch_up = EXCLUDED.catch_up, updated_at = now()
      WHERE delivery.status = 'skipped' AND delivery.attempts = 0 AND EXCLUDED.status = 'pending'
     RETURNING status`,
    [postId, rows.map((r) => r.groupId), rows.map((r) => r.accountId), rows.map((r) => r.status), rows.map((r) => r.dueAt), rows.map((r) => r.error), catchUp],
  );
  const pending = done.filter((r) => r.status === 'pending').length;
  return { pending, skipped: done.length - pending, existing: rows.length - done.length };
}

async function inTransaction<T>(ctx: AppContext, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  const client = await ctx.db.pool.connect();
  const onError = () => undefined; // a dropped connection fails the query below instead
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.removeListener('error', onError);
    client.release();
  }
}

const GROUP_COLUMNS = 'id, kind, status, status_reason, auto_forward, bot_account_id, settings';

/**
 * Plans a captured post: one delivery per registered work/parent group its audience names, due at
 * the group's next relay window (urgent: at once, outside quiet hours). Idempotent.
 */
export async function planPost(ctx: AppContext, postId: number, settings: RelaySettings = ctx.settings.relay): Promise<PlanResult> {
  const log = ctx.log.child({ name: 'relay.plan', post: postId });
  const result = await inTransaction(ctx, async (client) => {
    const { rows: posts } = await client.query<PlanPost>('SELECT id, code, audience, urgent FROM post WHERE id = $1', [postId]);
    const post = posts[0];
    if (!post) throw new Error(`planPost: no post with id ${postId}`);
    const { rows: groups } = await client.query<PlanGroup>(
      `SELECT ${GROUP_COLUMNS} FROM chat_group WHERE kind::text = ANY($1::text[]) ORDER BY id`,
      [KINDS[post.audience]],
    );
    const now = ctx.clock.now();
    const rows = groups.map((g) => planRow(post, g, now, settings, ctx.config.timeZone));
    return { post, result: await insertRows(client, post.id, rows, false) };
  });
  log.info({ code: result.post.code, urgent: result.post.urgent, ...result.result }, 'post planned');
  return result.result;
}

/** Gives a (newly registered or resumed) group the posts captured within the relevance period. */
export async function planLateGroup(ctx: AppContext, groupId: number, settings: RelaySettings = ctx.settings.relay): Promise<PlanResult> {
  const log = ctx.log.child({ name: 'relay.plan', group: groupId });
  const now = ctx.clock.now();
  const since = new Date(now.getTime() - settings.planning.relevanceDays * 86_400_000);
  const result = await inTransaction(ctx, async (client) => {
    const { rows: groups } = await client.query<PlanGroup>(`SELECT ${GROUP_COLUMNS} FROM chat_group WHERE id = $1`, [groupId]);
    const group = groups[0];
    if (!group) throw new Error(`planLateGroup: no group with id ${groupId}`);
    if (group.kind === 'source') return { pending: 0, skipped: 0, existing: 0 };
    const { rows: posts } = await client.query<PlanPost>(
      `SELECT id, code, audience, urgent FROM post
        WHERE captured_at >= $1 AND audience::text = ANY($2::text[]) ORDER BY captured_at, id`,
      [since, group.kind === 'work' ? ['all', 'work'] : ['all', 'parent']],
    );
    const total: PlanResult = { pending: 0, skipped: 0, existing: 0 };
    for (const post of posts) {
      const r = await insertRows(client, post.id, [planRow(post, group, now, settings, ctx.config.timeZone)], true);
      total.pending += r.pending;
      total.skipped += r.skipped;
      total.existing += r.existing;
    }
    return total;
  });
  log.info(result, 'late group planned');
  return result;
}

/**
 * Runs planLateGroup for every work/parent group changed since `since` (registered, resumed,
 * auto-forward turned on, re-matched). Idempotent, so overlapping sweeps are harmless.
 */
export async function planChangedGroups(ctx: AppContext, since: Date, settings: RelaySettings = ctx.settings.relay): Promise<PlanResult & { groups: number }> {
  const { rows } = await ctx.db.pool.query<{ id: number }>(
    "SELECT id FROM chat_group WHERE kind <> 'source' AND status = 'active' AND updated_at >= $1 ORDER BY id",
    [since],
  );
  const total = { pending: 0, skipped: 0, existing: 0, groups: rows.length };
  for (const { id } of rows) {
    const r = await planLateGroup(ctx, id, settings);
    total.pending += r.pending;
    total.skipped += r.skipped;
    total.existing += r.existing;
  }
  return total;
}

/** Delivery planning as a runtime service: fixed relay settings, and the relay workers woken after each plan. */
export interface Planning {
  /** planPost: a captured post's fan-out. */
  post(postId: number): Promise<PlanResult>;
  /** planLateGroup: a newly registered / resumed group's backlog. */
  lateGroup(groupId: number): Promise<PlanResult>;
  /** planChangedGroups: every group changed since `since`. */
  changedGroups(since: Date): Promise<PlanResult & { groups: number }>;
}

/** The planning service of one runtime; `wake` tells this process's relay workers there is work. */
export function createPlanning(ctx: AppContext, settings: RelaySettings, wake: () => void = () => undefined): Planning {
  const woken = async <T>(p: Promise<T>): Promise<T> => {
    const r = await p;
    wake();
    return r;
  };
  return {
    post: (postId) => woken(planPost(ctx, postId, settings)),
    lateGroup: (groupId) => woken(planLateGroup(ctx, groupId, settings)),
    changedGroups: (since) => woken(planChangedGroups(ctx, since, settings)),
  };
}
