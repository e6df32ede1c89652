// A private embedded PostgreSQL with a migrated database for one bench run, removed afterwards.
// (Files starting with "_" are not benches: tests/bench/run.ts skips them.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, type Db } from '../../bot/db/client.ts';
import { startEmbedded } from '../../bot/db/embedded.ts';
import { migrate } from '../../bot/db/migrate.ts';
import { silentLogger } from '../../bot/log.ts';

/** Runs `fn` with a fresh migrated database (pool size `max`), then stops and deletes the server. */
export async function withBenchDatabase<T>(name: string, max: number, fn: (db: Db) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${name}-`));
  fs.chmodSync(dir, 0o755);
  // owner: a watchdog stops the server if the bench process is killed (no orphaned postgres).
  const server = await startEmbedded(dir, 'bench', silentLogger(), { owner: true });
  try {
    const admin = connect(server.url('postgres'), { max: 1 });
    await admin.pool.query("CREATE DATABASE bench ENCODING 'UTF8' TEMPLATE template0");
    await admin.close();
    const db = connect(server.url('bench'), { max });
    await migrate(db.pool, silentLogger());
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
