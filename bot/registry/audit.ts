// Every registration change is an audit event: who, what, when, where.
import type { PrismaClient } from '../db/client.ts';

type Tx = Pick<PrismaClient, 'auditEvent'>;

export interface AuditInput {
  actor: string;
  action: string;
  groupId?: number | null;
  orgUnitId?: number | null;
  detail?: Record<string, unknown>;
  at: Date;
}

/** Records one audit event. */
export async function audit(prisma: Tx, e: AuditInput): Promise<void> {
  await prisma.auditEvent.create({
    data: {
      actor: e.actor,
      action: e.action,
      groupId: e.groupId ?? null,
      orgUnitId: e.orgUnitId ?? null,
      detail: (e.detail ?? {}) as never,
      at: e.at,
    },
  });
}
