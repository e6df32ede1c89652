// Who may feed posts in by hand: bureau admins are the members of a registered work group of the
// city bureau, a county bureau or a bureau department (bot/registry/authority.ts), or names listed
// in the sources config.
import type { Account, AppContext } from '../app.ts';
import { memberKey } from '../ledger/member-key.ts';
import { bureauGroupsOf } from '../registry/authority.ts';
import type { SourcesConfig } from './config.ts';

/** Whether the sender is a bureau admin. */
export async function isAdmin(
  ctx: AppContext,
  account: Account,
  config: SourcesConfig | undefined,
  sender: { id: string; name: string },
): Promise<boolean> {
  if (config?.admins.includes(sender.name)) return true;
  return (await bureauGroupsOf(ctx, account, sender)).length > 0;
}

/** The key under which an admin's drafts are kept (no raw names or ids in the table). */
export function adminKey(ctx: AppContext, account: Account, name: string): string {
  return memberKey(ctx.ledgerSecret, 0, `admin\u0000${account.id}\u0000${name}`);
}
