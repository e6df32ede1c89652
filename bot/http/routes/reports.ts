// /api/reports: list (scoped), one report, and its CSV/XLSX download.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ReportData } from '../../reports/build.ts';
import { reportCsv, reportXlsx } from '../../reports/export.ts';
import { scopeSql } from '../../reports/queries.ts';
import { unitInScope } from '../tokens.ts';
import { forbidden, notFound, parseInput } from '../errors.ts';
import { figuresPeriod, page } from '../inputs.ts';
import { principalOf } from '../scope.ts';
import type { ApiDeps } from '../server.ts';

const reportId = z.object({ id: z.coerce.number({ message: 'a report id is a whole number' }).int({ message: 'a report id is a whole number' }).min(1, { message: 'a report id is a whole number' }).max(2_147_483_647, { message: 'no such report' }) });

/** Registers the report routes. */
export function registerReportRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/api/reports', async (req) => {
    const q = parseInput(
      z.object({
        kind: z.enum(['monthly', 'half_year', 'annual'], { message: 'kind must be monthly, half_year or annual' }).optional(),
        period: figuresPeriod.optional(),
        ...page,
      }),
      req.query,
    );
    const params: unknown[] = [];
    let where = 'true' + scopeSql(principalOf(req).scope, params);
    if (q.kind) {
      params.push(q.kind);
      where += ` AND r.kind::text = $${params.length}`;
    }
    if (q.period) {
      params.push(q.period);
      where += ` AND r.period = $${params.length}`;
    }
    const from = `FROM report r JOIN org_unit u ON u.id = r.org_unit_id WHERE ${where}`;
    const total = Number((await deps.db.pool.query<{ n: string }>(`SELECT count(*) AS n ${from}`, params)).rows[0].n);
    const { rows } = await deps.db.pool.query(
      `SELECT r.id, r.kind::text AS kind, r.period, r.generated_at, u.id AS unit_id, u.name AS unit_name, u.kind::text AS unit_kind,
              r.data->'coverage'->>'pct' AS pct, r.data->>'deadline' AS deadline
         ${from} ORDER BY r.period DESC, r.kind, u.id LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`,
      params,
    );
    return {
      page: q.page,
      pageSize: q.pageSize,
      total,
      items: rows.map((r) => ({ id: r.id, kind: r.kind, period: r.period, generatedAt: r.generated_at, deadline: r.deadline, unit: { id: r.unit_id, name: r.unit_name, kind: r.unit_kind }, pct: r.pct === null ? null : Number(r.pct) })),
    };
  });

  async function load(req: { params: unknown; principal?: import('../tokens.ts').Principal }) {
    const { id } = parseInput(reportId, req.params);
    const r = await deps.db.prisma.report.findUnique({ where: { id }, include: { orgUnit: true } });
    if (!r) throw notFound(`no report has id ${id}`);
    if (!unitInScope(principalOf(req), r.orgUnit)) throw forbidden('this token may not see that unit\'s reports');
    return r;
  }

  app.get('/api/reports/:id', async (req, reply) => {
    const { id } = parseInput(reportId, req.params);
    // The stored JSON goes out as PostgreSQL keeps it (a city report is ~200 kB: no parse and
    // re-serialise); the scope check reads only the unit.
    const { rows } = await deps.db.pool.query<{ id: number; kind: string; period: string; generated_at: Date; org_unit_id: number; county_id: number | null; data: string }>(
      `SELECT r.id, r.kind::text AS kind, r.period, r.generated_at, r.org_unit_id, u.county_id, r.data::text AS data
         FROM report r JOIN org_unit u ON u.id = r.org_unit_id WHERE r.id = $1`,
      [id],
    );
    const r = rows[0];
    if (!r) throw notFound(`no report has id ${id}`);
    if (!unitInScope(principalOf(req), { id: r.org_unit_id, countyId: r.county_id })) throw forbidden('this token may not see that unit\'s reports');
    const head = JSON.stringify({ id: r.id, kind: r.kind, period: r.period, generatedAt: r.generated_at });
    return reply.type('application/json; charset=utf-8').send(`${head.slice(0, -1)},"data":${r.data}}`);
  });

  // The summary document (工作小结, .docx) of a stored report, with the unit's activity photos.
  app.get('/api/reports/:id/docx', async (req, reply) => {
    const r = await load(req);
    const { summaryDocx } = await import('../../reports/summary-docx.ts');
    const buf = await summaryDocx(deps.db.pool, r.data as unknown as ReportData, { dataDir: deps.config.dataDir ?? './data', timeZone: deps.config.timeZone });
    return reply
      .header('content-disposition', `attachment; filename="summary-${r.kind}-${r.period}-${r.orgUnitId}.docx"`)
      .type('application/vnd.openxmlformats-officedocument.wordprocessingml.document')
      .send(buf);
  });

  app.get('/api/reports/:id/export', async (req, reply) => {
    const { format } = parseInput(z.object({ format: z.enum(['csv', 'xlsx'], { message: 'format must be csv or xlsx' }).default('xlsx') }), { format: (req.query as Record<string, unknown>)?.format });
    const r = await load(req);
    const data = r.data as unknown as ReportData;
    const name = `report-${r.kind}-${r.period}-${r.orgUnitId}`;
    if (format === 'csv') {
      return reply.header('content-disposition', `attachment; filename="${name}.csv"`).type('text/csv; charset=utf-8').send(reportCsv(data));
    }
    return reply.header('content-disposition', `attachment; filename="${name}.xlsx"`).type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(await reportXlsx(data));
  });
}
