// /api/me, /api/units, /api/groups, /api/accounts and /api/figures.
import type { FastifyInstance } from 'fastify';
import QRCode from 'qrcode';
import { z } from 'zod';
import { scopeSql } from '../../reports/queries.ts';
import { badRequest, forbidden, parseInput } from '../errors.ts';
import { figuresPeriod, id, page } from '../inputs.ts';
import { cursorParams, keySql, pageOf, pageWay, unitStart, paging } from '../keyset.ts';
import { narrowScope, principalOf, requireRole } from '../scope.ts';
import type { ApiDeps } from '../server.ts';

const GROUP_STATUSES = ['active', 'paused', 'left', 'ambiguous'] as const;
const GROUP_KINDS = ['work', 'parent', 'source'] as const;
/** The group list's order (its cursor holds these values) and what each is. */
const GROUP_ORDER = ['u.name', 'g.topic', 'g.id'] as const;
const GROUP_KEY = ['s', 's', 'n'] as const;
/** The search index's expression (migration 20261127230000_list_paging): keep them identical. */
const GROUP_GRAMS = "(coalesce(text_grams(g.topic), '{}') || coalesce(text_grams(g.class_name), '{}'))";

interface AccountItem {
  id: number | null;
  name: string;
  puppet: string | null;
  loginState: string;
  loginName: string | null;
  lastLoginAt: Date | null;
  heartbeatAt: Date | null;
  throttle: { level: number; until: Date | null; throttled: boolean };
  sentToday: number;
  sentDay: string | null;
  qr: { payload: string; svg: string } | null;
}

/** The login QR code as SVG while an account waits for a scan. */
async function qrOf(state: string, url: string | null | undefined) {
  if (state !== 'waiting_scan' || !url) return null;
  return { payload: url, svg: await QRCode.toString(url, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }) };
}

/** Registers the unit, group, account and figures routes. */
export function registerUnitRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/api/me', async (req) => {
    const p = principalOf(req);
    // timeZone: the dashboard shows every time in the bureau's zone (TZ), not the browser's.
    return { role: p.role, unit: { id: p.unit.id, name: p.unit.name, kind: p.unit.kind }, timeZone: deps.config.timeZone };
  });

  app.get('/api/units', async (req) => {
    const p = principalOf(req);
    const params: unknown[] = [];
    const { rows } = await deps.db.pool.query(
      `SELECT u.id, u.name, u.kind::text AS kind, u.parent_id AS "parentId", u.county_id AS "countyId" FROM org_unit u WHERE true${scopeSql(p.scope, params)} ORDER BY u.id`,
      params,
    );
    return { items: rows };
  });

  app.get('/api/groups', async (req) => {
    const q = parseInput(
      z.object({
        status: z.enum(GROUP_STATUSES, { message: `status must be one of ${GROUP_STATUSES.join(', ')}` }).optional(),
        kind: z.enum(GROUP_KINDS, { message: `kind must be one of ${GROUP_KINDS.join(', ')}` }).optional(),
        county: id('county').optional(),
        school: id('school').optional(),
        q: z.string().max(100, { message: 'q is at most 100 characters' }).optional(),
        ...page,
        ...cursorParams,
      }),
      req.query,
    );
    const way = pageWay('groups', GROUP_KEY, q, (req.query as { page?: unknown } | undefined)?.page !== undefined);
    const p = principalOf(req);
    const scope = await narrowScope(deps.db.prisma, p, q);
    const params: unknown[] = [];
    const scoped = scopeSql(scope, params);
    let where = 'true' + scoped;
    // Counts per status (the whole city without a join); with no kind or search filter the total is
    // their sum, so a page costs two queries.
    const counts: Record<string, number> = Object.fromEntries(
      (await deps.db.pool.query<{ status: string; n: string }>(
        scoped ? `SELECT g.status::text AS status, count(*) AS n FROM chat_group g JOIN org_unit u ON u.id = g.org_unit_id WHERE ${where} GROUP BY g.status` : 'SELECT g.status::text AS status, count(*) AS n FROM chat_group g GROUP BY g.status',
        params,
      )).rows.map((r) => [r.status, Number(r.n)]),
    );
    if (q.status) {
      params.push(q.status);
      where += ` AND g.status = $${params.length}::"GroupStatus"`;
    }
    if (q.kind) {
      params.push(q.kind);
      where += ` AND g.kind = $${params.length}::"GroupKind"`;
    }
    if (q.q) {
      // The search index (chat_group_search_grams_idx, GIN) holds each name's characters and pairs:
      // a two-character Chinese search like 三班 finds its few rows without reading every group.
      params.push(q.q);
      where += ` AND ${GROUP_GRAMS} @> text_grams($${params.length})`;
      params.push(`%${q.q.replace(/[\\%_]/g, (m) => '\\' + m)}%`);
      where += ` AND (g.topic ILIKE $${params.length} OR g.class_name ILIKE $${params.length})`;
    }
    const from = `FROM chat_group g JOIN org_unit u ON u.id = g.org_unit_id JOIN bot_account b ON b.id = g.bot_account_id WHERE ${where}`;
    const total = q.kind || q.q
      ? Number((await deps.db.pool.query<{ n: string }>(`SELECT count(*) AS n ${from}`, params)).rows[0].n)
      : q.status ? (counts[q.status] ?? 0) : Object.values(counts).reduce((a, b) => a + b, 0);
    // Sorted by unit name, topic and id; pages after/before a cursor walk the units by name
    // (org_unit_name_id_idx) and stop after one page, so page 400 costs what page 1 costs.
    // A deep page by number counts the rows per unit name first and skips whole units by name.
    const dir = way.kind === 'before' ? 'DESC' : 'ASC';
    let keyed = '';
    let offset = '';
    if (way.kind !== 'number') keyed = keySql(GROUP_ORDER, way.key, way.kind, params);
    else if ((way.page - 1) * q.pageSize <= paging.walkMax) offset = way.page > 1 ? ` OFFSET ${(way.page - 1) * q.pageSize}` : '';
    else {
      const perName = (await deps.db.pool.query<{ name: string; n: string }>(`SELECT u.name, count(*) AS n ${from} GROUP BY u.name ORDER BY u.name`, params)).rows;
      const start = unitStart(perName, (way.page - 1) * q.pageSize);
      if (start) {
        params.push(start.name);
        keyed = ` AND u.name >= $${params.length}`;
        if (start.offset) offset = ` OFFSET ${start.offset}`;
      } else keyed = ' AND false'; // past the end
    }
    const { rows: fetched } = await deps.db.pool.query(
      `SELECT g.id, g.kind::text AS kind, g.topic, g.class_name, g.status::text AS status, g.status_reason, g.member_count, g.auto_forward, g.registered_at, g.registered_by,
              u.id AS unit_id, u.name AS unit_name, b.name AS account
         ${from}${keyed} ORDER BY ${GROUP_ORDER.map((c) => `${c} ${dir}`).join(', ')} LIMIT ${q.pageSize + 1}${offset}`,
      params,
    );
    const { items: rows, next, prev } = pageOf('groups', way, fetched, q.pageSize, (r) => [r.unit_name, r.topic, r.id]);
    return {
      counts,
      ...(way.kind === 'number' ? { page: way.page } : {}),
      pageSize: q.pageSize,
      total,
      next,
      prev,
      items: rows.map((r) => ({
        id: r.id,
        kind: r.kind,
        topic: r.topic,
        className: r.class_name,
        status: r.status,
        statusReason: r.status_reason,
        memberCount: r.member_count,
        autoForward: r.auto_forward,
        registeredAt: r.registered_at,
        unit: { id: r.unit_id, name: r.unit_name },
        account: r.account,
        // Names of people only at school level.
        ...(p.role === 'school' ? { registeredBy: r.registered_by } : {}),
      })),
    };
  });

  app.get('/api/accounts', async (req) => {
    requireRole(principalOf(req), ['bureau'], 'bot accounts are shown to the city bureau only');
    const rows = await deps.db.prisma.botAccount.findMany({ orderBy: { id: 'asc' } });
    const live = new Map((deps.accounts ? await deps.accounts() : []).map((a) => [a.name, a]));
    const now = deps.clock.now();
    const items: AccountItem[] = [];
    for (const r of rows) {
      const l = live.get(r.name);
      const loginState = l?.loginState ?? r.loginState;
      const throttled = r.throttledUntil !== null && r.throttledUntil.getTime() > now.getTime();
      items.push({
        id: r.id,
        name: r.name,
        puppet: r.puppet,
        loginState,
        loginName: l?.loginName ?? r.loginName,
        lastLoginAt: r.lastLoginAt,
        heartbeatAt: r.heartbeatAt,
        throttle: { level: r.throttleLevel, until: throttled ? r.throttledUntil : null, throttled },
        sentToday: r.sentDay ? r.sentToday : 0,
        sentDay: r.sentDay,
        qr: await qrOf(loginState, l?.qrUrl ?? r.qrUrl),
      });
    }
    // Accounts this process drives that have no bot_account row yet.
    for (const l of live.values()) {
      if (rows.some((r) => r.name === l.name)) continue;
      items.push({
        id: null, name: l.name, puppet: null, loginState: l.loginState, loginName: l.loginName ?? null, lastLoginAt: null, heartbeatAt: null,
        throttle: { level: 0, until: null, throttled: false }, sentToday: 0, sentDay: null, qr: await qrOf(l.loginState, l.qrUrl),
      });
    }
    return { items };
  });

  app.get('/api/figures', async (req) => {
    const q = parseInput(z.object({ period: figuresPeriod.optional() }), req.query);
    const p = principalOf(req);
    const params: unknown[] = [];
    let where = 'true' + scopeSql(p.scope, params);
    if (q.period) {
      params.push(q.period);
      where += ` AND f.period = $${params.length}`;
    }
    const { rows } = await deps.db.pool.query(
      `SELECT u.id AS unit_id, u.name AS unit_name, f.period, f.cases, f.losses_yuan, f.at FROM unit_figures f JOIN org_unit u ON u.id = f.org_unit_id WHERE ${where} ORDER BY f.period DESC, u.name LIMIT 500`,
      params,
    );
    return { items: rows.map((r) => ({ unit: { id: r.unit_id, name: r.unit_name }, period: r.period, cases: r.cases, lossesYuan: Number(r.losses_yuan), at: r.at })) };
  });

  app.put('/api/figures', async (req) => {
    const p = principalOf(req);
    if (p.role === 'bureau') throw forbidden('figures are entered by the school or county bureau itself, with its own token');
    if (!req.body || typeof req.body !== 'object' || Array.isArray(req.body)) throw badRequest('send the figures as a JSON object: {"period": "2026-11", "cases": 0, "lossesYuan": 0}');
    const b = parseInput(
      z.object({
        period: figuresPeriod,
        cases: z.number({ message: 'cases must be a whole number from 0' }).int({ message: 'cases must be a whole number from 0' }).min(0, { message: 'cases must be a whole number from 0' }).max(1_000_000, { message: 'cases is too large' }),
        lossesYuan: z.number({ message: 'lossesYuan must be an amount in yuan from 0' }).min(0, { message: 'lossesYuan must be an amount in yuan from 0' }).max(1e11, { message: 'lossesYuan is too large' }).refine((v) => Math.round(v * 100) / 100 === v, { message: 'lossesYuan has at most two decimals' }), // whole fen (multipleOf(0.01) let 5e-324 through, stored as 0)
      }).strict(),
      req.body,
    );
    const at = deps.clock.now();
    const entered = `api:${p.tokenId}`;
    await deps.db.prisma.unitFigures.upsert({
      where: { orgUnitId_period: { orgUnitId: p.unit.id, period: b.period } },
      create: { orgUnitId: p.unit.id, period: b.period, cases: b.cases, lossesYuan: b.lossesYuan, enteredBy: entered, at },
      update: { cases: b.cases, lossesYuan: b.lossesYuan, enteredBy: entered, at },
    });
    await deps.db.prisma.auditEvent.create({ data: { actor: entered, action: 'figures.entered', orgUnitId: p.unit.id, detail: { period: b.period, cases: b.cases, lossesYuan: b.lossesYuan }, at } });
    return { unit: { id: p.unit.id, name: p.unit.name }, period: b.period, cases: b.cases, lossesYuan: b.lossesYuan, at };
  });
}
