// API tokens: a role and an org unit, shown once, stored as a sha256 hash, revocable.
import crypto from 'node:crypto';
import type { PrismaClient } from '../db/client.ts';
import { idFrom } from '../db/ids.ts';
import { UserError } from '../errors.ts';
import { t } from '../i18n.ts';
import type { UnitScope } from '../reports/queries.ts';

export type Role = 'bureau' | 'county' | 'school';
export const ROLES: Role[] = ['bureau', 'county', 'school'];

/** Which unit kinds a role may be attached to. */
const ROLE_UNIT_KINDS: Record<Role, string[]> = { bureau: ['city'], county: ['county'], school: ['school', 'department'] };

/** What a request is allowed to see. */
export interface Principal {
  tokenId: number;
  role: Role;
  unit: { id: number; name: string; kind: string; countyId: number | null };
  scope: UnitScope;
}

/** sha256 of a token (tokens are random, so a plain hash is enough). */
export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token.trim()).digest('hex');
}

/** Finds a unit by id or exact name; an ambiguous name names the ids to use instead. */
export async function resolveUnit(prisma: PrismaClient, ref: string) {
  const text = ref.trim();
  if (/^\d+$/.test(text)) {
    const id = idFrom(text);
    const u = id === null ? null : await prisma.orgUnit.findUnique({ where: { id } });
    if (!u) throw new UserError('bureau.unknown_unit_id', { id: text }, `no unit has id ${text} (see \`antifraud org list\`)`);
    return u;
  }
  const found = await prisma.orgUnit.findMany({ where: { name: text }, orderBy: { id: 'asc' } });
  if (!found.length) throw new UserError('bureau.unknown_unit', { unit: text }, `no unit is named "${text}" (see \`antifraud org list\`)`);
  if (found.length > 1) {
    throw new UserError('bureau.ambiguous_unit', { unit: text, ids: found.map((u) => u.id).join(', ') }, `${found.length} units are named "${text}"; give the id instead: ${found.map((u) => u.id).join(', ')}`);
  }
  return found[0];
}

/** Creates a token for a unit; returns the secret (shown once) and the stored row. */
export async function createToken(prisma: PrismaClient, opts: { role: Role; unit: string; name?: string; actor?: string }) {
  if (!ROLES.includes(opts.role)) {
    throw new UserError('bureau.bad_role', { roles: ROLES.join(', '), value: String(opts.role) }, `--role must be one of ${ROLES.join(', ')}`);
  }
  const unit = await resolveUnit(prisma, opts.unit);
  if (!ROLE_UNIT_KINDS[opts.role].includes(unit.kind)) {
    throw new UserError(
      'bureau.role_unit',
      { role: opts.role, unit: unit.name, needs: ROLE_UNIT_KINDS[opts.role].map((k) => t(`org.kind_words.${k}`)).join(t('org.problem.or')), kind: t(`org.kind_words.${unit.kind}`) },
      `a ${opts.role} token needs a ${ROLE_UNIT_KINDS[opts.role].join(' or ')} unit, but ${unit.name} is a ${unit.kind} unit`,
    );
  }
  const secret = `af_${crypto.randomBytes(24).toString('base64url')}`;
  const row = await prisma.apiToken.create({
    data: { name: opts.name ?? `${opts.role}:${unit.name}`, role: opts.role, orgUnitId: unit.id, hash: hashToken(secret) },
  });
  await prisma.auditEvent.create({ data: { actor: opts.actor ?? 'cli', action: 'token.created', orgUnitId: unit.id, detail: { tokenId: row.id, role: opts.role } } });
  return { secret, token: row, unit };
}

/** Every token, without secrets. */
export async function listTokens(prisma: PrismaClient) {
  return prisma.apiToken.findMany({
    orderBy: { id: 'asc' },
    select: { id: true, name: true, role: true, createdAt: true, lastUsedAt: true, revokedAt: true, orgUnit: { select: { id: true, name: true } } },
  });
}

/** Revokes a token by id; revoking twice is harmless. */
export async function revokeToken(prisma: PrismaClient, id: number, actor = 'cli', at = new Date()) {
  const t = await prisma.apiToken.findUnique({ where: { id } });
  if (!t) throw new UserError('bureau.unknown_token', { id }, `no token has id ${id} (see \`antifraud token list\`)`);
  if (t.revokedAt) return { token: t, already: true };
  const token = await prisma.apiToken.update({ where: { id }, data: { revokedAt: at } });
  await prisma.auditEvent.create({ data: { actor, action: 'token.revoked', orgUnitId: t.orgUnitId, detail: { tokenId: id } } });
  return { token, already: false };
}

/** The principal behind a bearer token, or null when it is unknown or revoked. */
export async function authenticate(prisma: PrismaClient, secret: string, at = new Date()): Promise<Principal | null> {
  if (!secret || secret.length > 200) return null;
  const t = await prisma.apiToken.findUnique({ where: { hash: hashToken(secret) }, include: { orgUnit: true } });
  if (!t || t.revokedAt) return null;
  // At most one write a minute per token.
  if (!t.lastUsedAt || at.getTime() - t.lastUsedAt.getTime() > 60_000) {
    await prisma.apiToken.update({ where: { id: t.id }, data: { lastUsedAt: at } });
  }
  const u = t.orgUnit;
  const role = t.role as Role;
  const scope: UnitScope = role === 'bureau' ? {} : role === 'county' ? { countyId: u.id } : { schoolId: u.id };
  return { tokenId: t.id, role, unit: { id: u.id, name: u.name, kind: u.kind, countyId: u.countyId }, scope };
}

/** True when a unit (with its county) lies inside the principal's scope. */
export function unitInScope(p: Principal, unit: { id: number; countyId: number | null }): boolean {
  if (p.role === 'bureau') return true;
  if (p.role === 'county') return unit.countyId === p.unit.id;
  return unit.id === p.unit.id;
}
