// Opening the database: migrations applied once even when two processes race, and failures that
// say how to fix them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../bot/config.ts';
import { connect } from '../../bot/db/client.ts';
import { startEmbedded } from '../../bot/db/embedded.ts';
import { migrate, readMigrations } from '../../bot/db/migrate.ts';
import { openDatabase } from '../../bot/db/open.ts';
import { SetupError } from '../../bot/errors.ts';
import { adminUrl } from '../helpers/db.ts';
import { captureLog } from '../helpers/log.ts';

const SECRET = 's'.repeat(40);
const { log } = captureLog('warn');
const made: string[] = [];

async function emptyDatabase(): Promise<string> {
  const name = `empty_${Math.random().toString(36).slice(2, 10)}`;
  const admin = connect(adminUrl(), { max: 1 });
  await admin.pool.query(`CREATE DATABASE ${name}`);
  await admin.close();
  made.push(name);
  return adminUrl().replace(/\/postgres$/, `/${name}`);
}

afterAll(async () => {
  const admin = connect(adminUrl(), { max: 1 });
  for (const n of made) await admin.pool.query(`DROP DATABASE IF EXISTS ${n} WITH (FORCE)`);
  await admin.close();
});

describe('migrations', () => {
  it('two processes migrating one empty database at once apply each migration once, as prisma records it', async () => {
    const url = await emptyDatabase();
    const a = connect(url, { max: 2 });
    const b = connect(url, { max: 2 });
    const [ra, rb] = await Promise.all([migrate(a.pool, log), migrate(b.pool, log)]);
    const all = readMigrations().map((m) => m.name);
    expect([...ra, ...rb].sort()).toEqual(all.sort());
    const { rows } = await a.pool.query(
      'SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations"',
    );
    expect(rows).toHaveLength(all.length);
    expect(rows[0].checksum).toBe(readMigrations()[0].checksum);
    expect(rows[0].finished_at).toBeInstanceOf(Date);
    expect(rows[0].applied_steps_count).toBe(1);
    expect(await migrate(a.pool, log)).toEqual([]);
    await a.close();
    await b.close();
  });

  it('opens an existing server by DATABASE_URL, migrates it, and refuses a different ledger secret', async () => {
    const url = await emptyDatabase();
    const db = await openDatabase(loadConfig({ DATABASE_URL: url, LEDGER_SECRET: SECRET }), log);
    expect(await db.prisma.orgUnit.count()).toBe(0);
    await db.shutdown();
    await expect(openDatabase(loadConfig({ DATABASE_URL: url, LEDGER_SECRET: 'o'.repeat(40) }), log)).rejects.toThrow(
      /LEDGER_SECRET differs from the one this database was started with/,
    );
  });
});

describe('connection failures say what to do', () => {
  it.each([
    ['postgresql://u:p@127.0.0.1:1/x', /cannot reach PostgreSQL at 127\.0\.0\.1:1\/x: connection refused — is the server running\?/],
    [adminUrl().replace(/:[^:@/]+@/, ':wrong@'), /refused the user name or password in DATABASE_URL/],
    [adminUrl().replace(/\/postgres$/, '/no_such_db'), /the database named in DATABASE_URL .* does not exist/],
  ])('%s', async (url, message) => {
    const err = await openDatabase(loadConfig({ DATABASE_URL: url, LEDGER_SECRET: SECRET }), log).catch((e) => e);
    expect(err).toBeInstanceOf(SetupError);
    expect(err.message).toMatch(message);
  });
});

describe('embedded server', () => {
  it('refuses a data directory it cannot write, naming the fix', async () => {
    const file = path.join(os.tmpdir(), `not-a-dir-${process.pid}`);
    fs.writeFileSync(file, '');
    await expect(startEmbedded(path.join(file, 'data'), 'x', log)).rejects.toThrow(/cannot be written .* set DATA_DIR to a directory you own/);
    fs.rmSync(file);
  });

  it('reuses its data on the next start, and a second process shares the running server', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'antifraud-embedded-'));
    const config = loadConfig({ DATA_DIR: dir });
    const first = await openDatabase(config, log);
    await first.prisma.orgUnit.create({ data: { name: '钦州市教育局', kind: 'city' } });
    const second = await openDatabase(config, log); // like the CLI while the bot runs
    expect(second.embedded!.port).toBe(first.embedded!.port);
    expect(await second.prisma.orgUnit.count()).toBe(1);
    await second.shutdown();
    await first.shutdown();
    const again = await openDatabase(config, log);
    expect(again.embedded!.port).not.toBe(0);
    expect(await again.prisma.orgUnit.count()).toBe(1);
    expect(again.ledgerSecret).toBe(first.ledgerSecret);
    await again.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});
