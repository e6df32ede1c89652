// /api/activities: the activity material (photos and videos sent with #活动) per unit and calendar
// month, and each file as a scoped download (the dashboard fetches pictures with the token header).
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { listActivities, mediaById } from '../../reports/activities.ts';
import { localDate, zoned } from '../../reports/periods.ts';
import { forbidden, notFound, parseInput } from '../errors.ts';
import { id, page } from '../inputs.ts';
import { narrowScope } from '../scope.ts';
import type { ApiDeps } from '../server.ts';
import { unitInScope } from '../tokens.ts';

const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'month must look like 2026-11' });
const mediaId = z.object({ id: z.coerce.number({ message: 'a media id is a whole number' }).int({ message: 'a media id is a whole number' }).min(1, { message: 'a media id is a whole number' }).max(2_147_483_647, { message: 'no such file' }) });

/** Registers the activity routes; files are read from `dataDir` (DATA_DIR). */
export function registerActivityRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const tz = deps.config.timeZone;
  const dataDir = deps.config.dataDir ?? './data';

  app.get('/api/activities', async (req) => {
    const q = parseInput(z.object({ month: month.optional(), county: id('county').optional(), school: id('school').optional(), ...page }), req.query);
    const scope = await narrowScope(deps.db.prisma, req.principal!, q);
    const now = localDate(deps.clock.now(), tz);
    const [y, m] = q.month ? q.month.split('-').map(Number) : [now.y, now.m];
    const r = await listActivities(deps.db.pool, { from: zoned(tz, y, m, 1), to: zoned(tz, y, m + 1, 1), scope, limit: q.pageSize, offset: (q.page - 1) * q.pageSize });
    return {
      month: `${y}-${String(m).padStart(2, '0')}`,
      page: q.page,
      pageSize: q.pageSize,
      total: r.total,
      items: r.items.map((a) => ({
        id: a.id,
        unit: { id: a.orgUnitId, name: a.unitName },
        group: a.groupTopic,
        caption: a.caption,
        at: a.at,
        media: a.media.map((x) => ({ id: x.id, kind: x.kind, mimeType: x.mimeType, bytes: x.bytes, at: x.at, url: `/api/activities/media/${x.id}` })),
      })),
    };
  });

  app.get('/api/activities/media/:id', async (req, reply) => {
    const { id: mid } = parseInput(mediaId, req.params);
    const m = await mediaById(deps.db.pool, mid);
    if (!m) throw notFound(`no activity file has id ${mid}`);
    if (!unitInScope(req.principal!, { id: m.orgUnitId, countyId: m.countyId })) throw forbidden('this token may not see that unit\'s activity material');
    const file = path.join(dataDir, m.file);
    if (!fs.existsSync(file)) throw notFound('the file is no longer under DATA_DIR (restored from an older backup?)');
    // Like every API answer, no-store (the API scope's hook): photos of pupils stay out of caches.
    return reply
      .header('content-disposition', `inline; filename="${path.basename(m.file)}"`)
      .type(m.mimeType)
      .send(fs.createReadStream(file));
  });
}
