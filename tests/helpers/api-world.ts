// The bureau world behind a real Fastify server, for tests of the API as a whole (the door, the
// fuzz): a fresh database, a monthly report, captured logs, and every route registered under /api.
import type { FastifyInstance } from 'fastify';
import { fixedClock } from '../../bot/clock.ts';
import { buildServer } from '../../bot/http/server.ts';
import { generateReport } from '../../bot/reports/generate.ts';
import { AT, bureauWorld } from './bureau-world.ts';
import { freshDb, type TestDb } from './db.ts';
import { captureLog, type CapturedLog } from './log.ts';

export interface ApiWorld {
  db: TestDb;
  app: FastifyInstance;
  w: Awaited<ReturnType<typeof bureauWorld>>;
  logs: CapturedLog;
  reportId: number;
  /** Every API route (method and URL pattern), HEAD left out. */
  routes: { method: string; url: string }[];
  close: () => Promise<void>;
}

/** Builds the world and the server, ready to `inject`. */
export async function apiWorld(): Promise<ApiWorld> {
  const db = await freshDb();
  const w = await bureauWorld(db.prisma);
  const reportId = (await generateReport({ db, clock: fixedClock(AT) } as never, 'monthly', '2026-11', w.units.city.id)).id;
  const logs = captureLog('info');
  const app = buildServer({ db, clock: fixedClock(AT), log: logs.log, config: { timeZone: 'Asia/Shanghai' } });
  const routes: ApiWorld['routes'] = [];
  // The API's routes are registered when the server gets ready, so this hook sees every one of them.
  app.addHook('onRoute', (r) => {
    for (const m of [r.method].flat()) if (m !== 'HEAD' && r.url.startsWith('/api')) routes.push({ method: m, url: r.url });
  });
  await app.ready();
  return {
    db, app, w, logs, reportId, routes,
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}
