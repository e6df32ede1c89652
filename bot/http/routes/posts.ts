// /api/posts: list with overall coverage, one post, its coverage by county/school/group (with
// below-target lists and CSV/XLSX exports) and its deliveries (failures and unknowns).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { deliveryListFile, deliveryListRows, EXPORT_STATUSES } from '../../relay/delivery-export.ts';
import { coverageTable, coverageXlsx, toCsv } from '../../reports/export.ts';
import { coverageByPost, postsCoverage, type CoverageBy } from '../../ledger/coverage.ts';
import { scopeSql } from '../../reports/queries.ts';
import { notFound, parseInput } from '../errors.ts';
import { dateParam, id, page, postCode, target, wordList } from '../inputs.ts';
import { badCursor, cursorParams, keySql, pageOf, pageWay, unitStart, paging, type PageWay } from '../keyset.ts';
import { narrowScope, principalOf } from '../scope.ts';
import type { ApiDeps } from '../server.ts';
import type { Principal } from '../tokens.ts';

const POST_KINDS = ['article', 'text', 'image', 'video', 'channel_video', 'mini_program', 'file', 'letter', 'attestation', 'case'] as const;
const STATUSES = ['pending', 'sending', 'sent', 'failed', 'unknown', 'skipped'] as const;

/**
 * The delivery list's order: failed first, then unknown, then the rest (its "rank"), each by unit
 * name, topic and group. A cursor holds [rank, unit name, topic, group id].
 */
const DELIVERY_RANKS = [`d.status = 'failed'`, `d.status = 'unknown'`, `d.status NOT IN ('failed', 'unknown')`] as const;
const rankOf = (status: string) => (status === 'failed' ? 0 : status === 'unknown' ? 1 : 2);
const DELIVERY_ORDER = ['u.name', 'g.topic', 'g.id'] as const;
const DELIVERY_KEY = ['n', 's', 's', 'n'] as const;

interface DeliveryRow {
  rank: number;
  unit_name: string;
  topic: string;
  group_id: number;
  [column: string]: unknown;
}

/**
 * One page of a post's deliveries (pageSize + 1 rows in the direction of travel, for pageOf): rank
 * by rank from where the page starts, each rank's rows in unit-name order, so that the planner walks
 * units by name and stops after the page instead of sorting the post's 20,000 rows.
 */
async function deliveryPage(
  deps: ApiDeps,
  where: string,
  baseParams: unknown[],
  way: PageWay,
  pageSize: number,
  statuses: readonly string[],
  counts: Record<string, number>,
): Promise<DeliveryRow[]> {
  const select = `SELECT d.id, d.status::text AS status, d.error, d.attempts, d.due_at, d.sent_at, d.members_at_send, d.confirmed, d.rendering,
                         g.id AS group_id, g.topic, g.class_name, g.kind::text AS group_kind, g.registered_by, u.id AS unit_id, u.name AS unit_name, b.name AS account
                    FROM delivery d JOIN chat_group g ON g.id = d.group_id JOIN org_unit u ON u.id = g.org_unit_id JOIN bot_account b ON b.id = d.bot_account_id`;
  const ranks = [0, 1, 2].filter((r) => statuses.some((s) => rankOf(s) === r));
  // Where the walk starts: after/before a cursor, or for a page by number the rank it falls in
  // (from the counts per status) and, in that rank, the unit name and the rows to skip from it.
  let rank = 0;
  let first = (_params: unknown[]) => '';
  let offset = 0;
  if (way.kind !== 'number') {
    rank = Number(way.key[0]);
    if (![0, 1, 2].includes(rank)) throw badCursor(way.kind);
    first = (params) => keySql(DELIVERY_ORDER, way.key.slice(1), way.kind, params);
  } else if (way.page > 1) {
    let skip = (way.page - 1) * pageSize;
    const inRank = (r: number) => Object.entries(counts).reduce((n, [s, c]) => n + (statuses.includes(s) && rankOf(s) === r ? c : 0), 0);
    rank = 3;
    for (const r of ranks) {
      if (skip < inRank(r)) {
        rank = r;
        break;
      }
      skip -= inRank(r);
    }
    if (rank > 2) return [];
    if (skip <= paging.walkMax) offset = skip;
    else {
      const perName = (await deps.db.pool.query<{ name: string; n: string }>(
        `SELECT u.name, count(*) AS n FROM delivery d JOIN chat_group g ON g.id = d.group_id JOIN org_unit u ON u.id = g.org_unit_id
          WHERE ${where} AND ${DELIVERY_RANKS[rank]} GROUP BY u.name ORDER BY u.name`,
        baseParams,
      )).rows;
      const start = unitStart(perName, skip);
      if (!start) return [];
      first = (params) => {
        params.push(start.name);
        return ` AND u.name >= $${params.length}`;
      };
      offset = start.offset;
    }
  }
  const forward = way.kind !== 'before';
  const dir = forward ? 'ASC' : 'DESC';
  const out: DeliveryRow[] = [];
  for (let r = rank; r >= 0 && r <= 2 && out.length <= pageSize; r += forward ? 1 : -1) {
    if (!ranks.includes(r)) continue;
    const params = [...baseParams];
    const keyed = r === rank ? first(params) : '';
    const { rows } = await deps.db.pool.query(
      `${select} WHERE ${where} AND ${DELIVERY_RANKS[r]}${keyed}
        ORDER BY ${DELIVERY_ORDER.map((c) => `${c} ${dir}`).join(', ')} LIMIT ${pageSize + 1 - out.length}${r === rank && offset ? ` OFFSET ${offset}` : ''}`,
      params,
    );
    out.push(...rows.map((row) => ({ ...row, rank: rankOf(String(row.status)) }) as DeliveryRow));
  }
  return out;
}

/**
 * A post by its code, as the principal may see it. Decision (issue 13): a county or school token sees
 * a post's details only when the post was planned for a group in its scope — the same rule as the
 * list — so a post outside it is a 404 exactly like an unknown code (no existence oracle).
 */
async function findPost(deps: ApiDeps, code: unknown, p: Principal) {
  const c = parseInput(z.object({ code: postCode }), { code }).code;
  const post = await deps.db.prisma.post.findUnique({ where: { code: c }, include: { source: true } });
  if (!post || !(await postInScope(deps, post.id, p))) throw notFound(`no post has the code ${c}`);
  return post;
}

async function postInScope(deps: ApiDeps, postId: number, p: Principal): Promise<boolean> {
  if (p.role === 'bureau') return true;
  const params: unknown[] = [postId];
  const { rows } = await deps.db.pool.query(
    `SELECT 1 FROM delivery d JOIN chat_group g ON g.id = d.group_id JOIN org_unit u ON u.id = g.org_unit_id WHERE d.post_id = $1${scopeSql(p.scope, params)} LIMIT 1`,
    params,
  );
  return rows.length > 0;
}

function postJson(p: { code: string; title: string; kind: string; url: string | null; capturedAt: Date; publishedAt: Date | null; urgent: boolean; source: { name: string; scope: string; kind: string } }) {
  return { code: p.code, title: p.title, kind: p.kind, url: p.url, urgent: p.urgent, capturedAt: p.capturedAt, publishedAt: p.publishedAt, source: { name: p.source.name, scope: p.source.scope, kind: p.source.kind } };
}

/** Registers the post routes. */
export function registerPostRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const tz = deps.config.timeZone;

  app.get('/api/posts', async (req) => {
    const q = parseInput(
      z.object({
        from: dateParam('from', tz).optional(),
        to: dateParam('to', tz).optional(),
        source: z.string().max(100, { message: 'source is at most 100 characters' }).optional(),
        code: postCode.optional(),
        kind: z.enum(POST_KINDS, { message: `kind must be one of ${POST_KINDS.join(', ')}` }).optional(),
        ...page,
      }),
      req.query,
    );
    const p = principalOf(req);
    const params: unknown[] = [];
    const where: string[] = [];
    if (q.from) {
      params.push(q.from);
      where.push(`p.captured_at >= $${params.length}`);
    }
    if (q.to) {
      params.push(q.to);
      where.push(`p.captured_at < $${params.length}`);
    }
    if (q.source) {
      params.push(`%${q.source.replace(/[\\%_]/g, (m) => '\\' + m)}%`);
      where.push(`s.name ILIKE $${params.length}`);
    }
    if (q.code) {
      params.push(q.code);
      where.push(`p.code = $${params.length}`);
    }
    if (q.kind) {
      params.push(q.kind);
      where.push(`p.kind::text = $${params.length}`);
    }
    if (p.role !== 'bureau') {
      // Only posts that reached the token's units.
      where.push(`EXISTS (SELECT 1 FROM delivery d JOIN chat_group g ON g.id = d.group_id JOIN org_unit u ON u.id = g.org_unit_id WHERE d.post_id = p.id${scopeSql(p.scope, params)})`);
    }
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const from = `FROM post p JOIN source s ON s.id = p.source_id ${w}`;
    const total = Number((await deps.db.pool.query<{ n: string }>(`SELECT count(*) AS n ${from}`, params)).rows[0].n);
    const { rows } = await deps.db.pool.query<{ id: number; code: string; title: string; kind: string; url: string | null; urgent: boolean; captured_at: Date; published_at: Date | null; source_name: string; source_scope: string; source_kind: string }>(
      `SELECT p.id, p.code, p.title, p.kind::text, p.url, p.urgent, p.captured_at, p.published_at, s.name AS source_name, s.scope::text AS source_scope, s.kind::text AS source_kind
         ${from} ORDER BY p.captured_at DESC, p.id DESC LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`,
      params,
    );
    const cov = await postsCoverage(deps.db.pool, rows.map((r) => r.id), p.scope);
    return {
      page: q.page,
      pageSize: q.pageSize,
      total,
      items: rows.map((r) => ({
        ...postJson({ code: r.code, title: r.title, kind: r.kind, url: r.url, urgent: r.urgent, capturedAt: r.captured_at, publishedAt: r.published_at, source: { name: r.source_name, scope: r.source_scope, kind: r.source_kind } }),
        coverage: cov.get(r.id)!,
      })),
    };
  });

  app.get<{ Params: { code: string } }>('/api/posts/:code', async (req) => {
    const p = principalOf(req);
    const post = await findPost(deps, req.params.code, p);
    const cov = await postsCoverage(deps.db.pool, [post.id], p.scope);
    return { ...postJson(post), summary: post.summary, coverage: cov.get(post.id)! };
  });

  const coverageQuery = z.object({
    by: z.enum(['county', 'school', 'group'], { message: 'by must be county, school or group' }).default('county'),
    county: id('county').optional(),
    school: id('school').optional(),
    target,
    // by=group is paged (the whole city has 20,000 groups; worst first), 100 rows a page by default.
    page: page.page,
    pageSize: z.preprocess((v) => v ?? '100', page.pageSize),
  });

  /** The post's coverage; by=group one page of groups unless `all` (exports). */
  async function coverage(req: FastifyRequest<{ Params: { code: string } }>, all = false) {
    const p = principalOf(req);
    const post = await findPost(deps, req.params.code, p);
    const q = parseInput(coverageQuery, req.query);
    const scope = await narrowScope(deps.db.prisma, p, q);
    const paged = q.by === 'group' && !all;
    const c = await coverageByPost(deps.db.pool, {
      postCode: post.code, by: q.by as CoverageBy, scope, target: q.target,
      ...(paged ? { limit: q.pageSize, offset: (q.page - 1) * q.pageSize } : {}),
    });
    return { post, q, scope, rows: c.rows, totals: c.total, paged };
  }

  app.get<{ Params: { code: string } }>('/api/posts/:code/coverage', async (req) => {
    const { post, q, scope, rows, totals, paged } = await coverage(req);
    // rowsTotal: how many rows the level has (by=group: the groups reached; pages of pageSize).
    const pageInfo = paged ? { page: q.page, pageSize: q.pageSize, rowsTotal: totals.groups } : { rowsTotal: rows.length };
    return { post: postJson(post), by: q.by, target: q.target, scope, totals, ...pageInfo, rows, below: rows.filter((r) => r.below) };
  });

  app.get<{ Params: { code: string } }>('/api/posts/:code/coverage/export', async (req, reply) => {
    const format = parseInput(z.object({ format: z.enum(['csv', 'xlsx'], { message: 'format must be csv or xlsx' }).default('xlsx') }), { format: (req.query as Record<string, unknown>)?.format }).format;
    const { post, q, rows, totals } = await coverage(req, true);
    const name = `coverage-${post.code}-${q.by}`;
    if (format === 'csv') {
      const { header, body } = coverageTable(q.by as CoverageBy, rows, totals);
      return reply.header('content-disposition', `attachment; filename="${name}.csv"`).type('text/csv; charset=utf-8').send(toCsv(header, body));
    }
    const buf = await coverageXlsx(`${post.code} ${post.title}`, q.by as CoverageBy, rows, totals);
    return reply.header('content-disposition', `attachment; filename="${name}.xlsx"`).type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(buf);
  });

  app.get<{ Params: { code: string } }>('/api/posts/:code/deliveries', async (req) => {
    const p = principalOf(req);
    const post = await findPost(deps, req.params.code, p);
    const q = parseInput(z.object({ status: wordList('status', STATUSES).optional(), county: id('county').optional(), school: id('school').optional(), ...page, ...cursorParams }), req.query);
    const way = pageWay('deliveries', DELIVERY_KEY, q, (req.query as { page?: unknown } | undefined)?.page !== undefined);
    const scope = await narrowScope(deps.db.prisma, p, q);
    const params: unknown[] = [post.id];
    const scoped = scopeSql(scope, params);
    let where = 'd.post_id = $1' + scoped;
    // Counts per status (the whole city needs no join: 20,000 rows of one post by its index); the
    // total is their sum over the statuses asked for.
    const countsSql = scoped
      ? `SELECT d.status::text AS status, count(*) AS n FROM delivery d JOIN chat_group g ON g.id = d.group_id JOIN org_unit u ON u.id = g.org_unit_id WHERE ${where} GROUP BY d.status`
      : 'SELECT d.status::text AS status, count(*) AS n FROM delivery d WHERE d.post_id = $1 GROUP BY d.status';
    const counts: Record<string, number> = Object.fromEntries((await deps.db.pool.query<{ status: string; n: string }>(countsSql, params)).rows.map((r) => [r.status, Number(r.n)]));
    const total = Object.entries(counts).reduce((n, [s, c]) => n + (!q.status || (q.status as string[]).includes(s) ? c : 0), 0);
    if (q.status) {
      params.push(q.status);
      where += ` AND d.status = ANY($${params.length}::"DeliveryStatus"[])`; // the enum, so delivery_post_id_status_idx applies
    }
    const fetched = await deliveryPage(deps, where, params, way, q.pageSize, q.status ?? STATUSES, counts);
    const { items: rows, next, prev } = pageOf('deliveries', way, fetched, q.pageSize, (r) => [r.rank, r.unit_name, r.topic, r.group_id]);
    return {
      post: postJson(post),
      counts,
      ...(way.kind === 'number' ? { page: way.page } : {}),
      pageSize: q.pageSize,
      total,
      next,
      prev,
      items: rows.map((r) => ({
        id: r.id,
        status: r.status,
        error: r.error,
        attempts: r.attempts,
        dueAt: r.due_at,
        sentAt: r.sent_at,
        members: r.members_at_send,
        confirmed: r.confirmed,
        rendering: r.rendering,
        account: r.account,
        group: { id: r.group_id, topic: r.topic, className: r.class_name, kind: r.group_kind, unit: { id: r.unit_id, name: r.unit_name }, ...(p.role === 'school' ? { registeredBy: r.registered_by } : {}) },
      })),
    };
  });

  // The delivery list (failed / unknown / skipped by default, with reasons) as a download.
  app.get<{ Params: { code: string } }>('/api/posts/:code/deliveries/export', async (req, reply) => {
    const p = principalOf(req);
    const post = await findPost(deps, req.params.code, p);
    const q = parseInput(
      z.object({
        format: z.enum(['csv', 'xlsx'], { message: 'format must be csv or xlsx' }).default('xlsx'),
        status: wordList('status', STATUSES).optional(),
        county: id('county').optional(),
        school: id('school').optional(),
      }),
      req.query,
    );
    const scope = await narrowScope(deps.db.prisma, p, q);
    const rows = await deliveryListRows(deps.db.pool, { postId: post.id, statuses: q.status ?? EXPORT_STATUSES, scope });
    const file = await deliveryListFile(rows, q.format, { title: `${post.code} ${post.title}`, tz });
    const name = `deliveries-${post.code}.${q.format}`;
    return reply
      .header('content-disposition', `attachment; filename="${name}"`)
      .type(q.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .send(file);
  });
}
