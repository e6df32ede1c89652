// Request scoping: the principal's unit scope, optionally narrowed by ?county= / ?school=.
// Asking for a unit outside the token's scope is a 403; an id that names no unit is a 404.
import type { PrismaClient } from '../db/client.ts';
import type { UnitScope } from '../reports/queries.ts';
import type { Principal } from './tokens.ts';
import { unitInScope } from './tokens.ts';
import { forbidden, notFound, unauthorized } from './errors.ts';

/** The principal's scope narrowed to a county and/or school it may see. */
export async function narrowScope(prisma: PrismaClient, p: Principal, q: { county?: number; school?: number }): Promise<UnitScope> {
  const scope: UnitScope = { ...p.scope };
  if (q.county !== undefined) {
    const c = await prisma.orgUnit.findUnique({ where: { id: q.county } });
    if (!c || c.kind !== 'county') throw notFound(`no county-level unit has id ${q.county}`);
    if (p.role === 'county' && c.id !== p.unit.id) throw forbidden('a county token sees only its own county');
    if (p.role === 'school' && c.id !== p.unit.countyId) throw forbidden('a school token sees only its own school');
    if (p.role === 'bureau') scope.countyId = c.id;
  }
  if (q.school !== undefined) {
    const s = await prisma.orgUnit.findUnique({ where: { id: q.school } });
    if (!s) throw notFound(`no unit has id ${q.school}`);
    if (!unitInScope(p, s)) throw forbidden(p.role === 'school' ? 'a school token sees only its own school' : 'a county token sees only its own county');
    if (scope.countyId !== undefined && s.countyId !== scope.countyId) throw notFound(`unit ${q.school} is not in county ${scope.countyId}`);
    scope.schoolId = s.id;
  }
  return scope;
}

/**
 * The request's principal. A route reached without one (registered outside the API's authenticated
 * scope) answers 401 instead of running unscoped.
 */
export function principalOf(req: { principal?: Principal }): Principal {
  if (!req.principal) throw unauthorized('sign in: send the header "Authorization: Bearer <token>"');
  return req.principal;
}

/** Only roles in `roles` may go on. */
export function requireRole(p: Principal, roles: Principal['role'][], why: string): void {
  if (!roles.includes(p.role)) throw forbidden(why);
}
