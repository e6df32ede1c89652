// The registered group a ledger command was sent in, checked to be managed by the sender (the
// homeroom teacher or unit contact who registered it, by key, never by stored name).
import { requireManager, requireRegistered } from '../registry/authority.ts';
import type { CommandDeps } from '../commands/types.ts';
import { UserError } from '../errors.ts';
import { t } from '../i18n.ts';

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

/**
 * The group a command was sent in — the registration the inbound context looked up once — when it
 * is active and the sender manages it (its owner, or its unit's contact who is in the unit's work
 * group: bot/registry/authority.ts); UserError otherwise.
 */
export async function managedGroup(deps: CommandDeps): Promise<LedgerGroup> {
  const reg = requireRegistered(deps.registration);
  await requireManager(deps.ctx, deps.account, reg.group, deps.sender);
  const g = reg.group;
  if (reg.matchedBy !== 'room' || g.status !== 'active' || !g.roomId || g.kind === 'source') throw new UserError('registry.not_registered');
  const bot = await deps.ctx.db.prisma.botAccount.findUnique({ where: { id: deps.account.id }, select: { loginName: true } });
  return {
    id: g.id, kind: g.kind, topic: g.topic, roomId: g.roomId, orgUnitId: g.orgUnitId, ownerKey: g.ownerKey,
    remindersOn: g.remindersOn, botAccountId: g.botAccountId, botName: bot?.loginName ?? null,
  };
}

/**
 * Packs blocks of "<prefix><name>、<name>…" into messages of at most `max` characters, splitting a
 * long name list across messages (the continuation starts with `more`).
 */
export function packMessages(header: string, blocks: { prefix: string; names: string[] }[], opts: { max?: number; sep?: string; more?: string } = {}): string[] {
  const max = opts.max ?? 1500;
  const sep = opts.sep ?? t('common.separator');
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
