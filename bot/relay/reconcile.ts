// Reconciliation: the bot's own messages come back through the message stream. A relayed post
// whose send ended `unknown` is marked sent when its text (with the short code) shows up in the
// group's room from this account.
import type { Account, AppContext, InboundHandler } from '../app.ts';
import { codesIn } from './render.ts';

/** Marks matching `unknown` deliveries as sent; returns how many. */
export async function reconcileOwnMessage(
  ctx: AppContext,
  account: Account,
  msg: { roomId: string; text: string; at: Date },
): Promise<number> {
  const codes = codesIn(msg.text);
  if (!codes.length) return 0;
  const { rowCount } = await ctx.db.pool.query(
    `UPDATE delivery d
        SET status = 'sent', sent_at = $4, updated_at = $4,
            error = COALESCE(d.error || '; ', '') || 'reconciled: the bot''s own message was seen in the group'
       FROM post p, chat_group g
      WHERE p.id = d.post_id AND g.id = d.group_id AND d.status = 'unknown'
        AND p.code = ANY($1::text[]) AND g.room_id = $2 AND g.bot_account_id = $3`,
    [codes, msg.roomId, account.id, msg.at],
  );
  return rowCount ?? 0;
}

/**
 * Inbound step "relay-reconcile": consumes the bot's own group messages (they are never
 * confirmations) and reconciles unknown deliveries with them. Other messages pass on.
 */
export function relayReconciler(ctx: AppContext): InboundHandler {
  const log = ctx.log.child({ name: 'relay.reconcile' });
  return {
    name: 'relay-reconcile',
    group: async ({ msg, account }) => {
      if (!msg.self) return false;
      const n = await reconcileOwnMessage(ctx, account, msg);
      if (n) log.info({ room: msg.roomId, codes: codesIn(msg.text), reconciled: n }, 'unknown delivery confirmed sent by its echo');
      return true;
    },
  };
}
