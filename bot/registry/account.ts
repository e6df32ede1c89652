// The bot account row: one per WeChat account (WECHATY_NAME), upserted by name at start.
import type { PrismaClient } from '../db/client.ts';

/** Creates or updates the bot_account row for `name`; returns its id. */
export async function ensureAccount(prisma: PrismaClient, name: string, puppet: string): Promise<{ id: number; name: string }> {
  const row = await prisma.botAccount.upsert({
    where: { name },
    create: { name, puppet },
    update: { puppet },
    select: { id: true, name: true },
  });
  return row;
}

/** Records the login state shown on the dashboard. */
export async function recordLoginState(
  prisma: PrismaClient,
  accountId: number,
  s: { state: string; user?: string; qrcode?: string; at: Date },
): Promise<void> {
  await prisma.botAccount.update({
    where: { id: accountId },
    data: {
      loginState: s.state,
      loginName: s.user ?? undefined,
      qrUrl: s.state === 'waiting_scan' ? (s.qrcode ?? null) : null,
      ...(s.state === 'logged_in' ? { lastLoginAt: s.at } : {}),
      heartbeatAt: s.at,
    },
  });
}
