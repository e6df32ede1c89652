// Finding the registered group a command was sent in, and checking that the sender owns it
// (the homeroom teacher or unit contact who registered it), by member key, never by stored name.
import type pg from 'pg';
import { requireManager, requireRegistered } from '../registry/authority.ts';
import type { CommandDeps } from '../commands/types.ts';
import { UserError } from '../errors.ts';

export interface LedgerGroup {
  id: number;
  kind: 'work' | 'parent';
  topic: string;
  roomId: string;
  orgUnitId: number;
  ownerKey: string;
  remindersOn: boolean;
  botAccountId: number;
  /** The bot account's own display name (to leave the bot out of member lists). */
  botName: string | null;
}

/** The active registered group behind (account, room), or undefined. */
export async function groupForRoom(pool: pg.Pool, accountId: number, roomId: string): Promise<LedgerGroup | undefined> {
  const { rows } = await pool.query<LedgerGroup>(
    `SELECT g.id, g.kind::text AS kind, g.topic, g.room_id AS "roomId", g.org_unit_id AS "orgUnitId",
            g.owner_key AS "ownerKey", g.reminders_on AS "remindersOn", g.bot_account_id AS "botAccountId",
            a.login_name AS "botName"
       FROM chat_group g JOIN bot_account a ON a.id = g.bot_account_id
      WHERE g.bot_account_id = $1 AND g.room_id = $2 AND g.status = 'active'`,
    [accountId, roomId],
  );
  return rows[0];
}

/**
 * The group a command was sent in, when the sender manages it (its owner, or its unit's contact
 * who is in the unit's work group — bot/registry/authority.ts isManager); UserError otherwise.
 */
export async function managedGroup(deps: CommandDeps): Promise<LedgerGroup> {
  const reg = requireRegistered(deps.registration);
  await requireManager(deps.ctx, deps.account, reg.group, deps.sender);
  const g = await groupForRoom(deps.ctx.db.pool, deps.account.id, deps.group!.roomId);
  if (!g) throw new UserError('registry.not_registered');
  return g;
}

/**
 * Packs blocks of "<prefix><name>、<name>…" into messages of at most `max` characters, splitting a
 * long name list across messages (the continuation starts with `more`).
 */
export function packMessages(header: string, blocks: { prefix: string; names: string[] }[], opts: { max?: number; sep?: string; more?: string } = {}): string[] {
  const max = opts.max ?? 1500;
  const sep = opts.sep ?? '、';
  const more = opts.more ?? '';
  const out: string[] = [];
  let cur = header;
  const push = () => {
    if (cur.trim()) out.push(cur);
    cur = '';
  };
  for (const b of blocks) {
    let line = (cur ? '\n' : '') + b.prefix;
    if (cur.length + line.length > max) {
      push();
      line = b.prefix;
    }
    cur += line;
    b.names.forEach((n, i) => {
      const piece = (i ? sep : '') + n;
      if (cur.length + piece.length > max) {
        push();
        cur = more + n;
      } else cur += piece;
    });
  }
  push();
  return out;
}
