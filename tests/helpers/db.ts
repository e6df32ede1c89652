// A fresh database per test file, cloned from the migrated template.
import crypto from 'node:crypto';
import { inject } from 'vitest';
import { connect, type Db } from '../../bot/db/client.ts';
import { importOrg, parseOrgCsv } from '../../bot/registry/org-import.ts';

export interface TestDb extends Db {
  name: string;
  ledgerSecret: string;
  drop: () => Promise<void>;
}

/** Creates a new database from the template and connects to it. */
export async function freshDb(): Promise<TestDb> {
  const adminUrl = inject('pgAdminUrl');
  const name = `t_${crypto.randomBytes(6).toString('hex')}`;
  const admin = connect(adminUrl, { max: 1 });
  await admin.pool.query(`CREATE DATABASE ${name} TEMPLATE ${inject('pgTemplate')}`);
  await admin.close();
  const url = adminUrl.replace(/\/postgres$/, `/${name}`);
  const db = connect(url, { max: 5 });
  return {
    ...db,
    name,
    ledgerSecret: 'test-ledger-secret-0123456789abcdef',
    drop: async () => {
      await db.close();
      const a = connect(adminUrl, { max: 1 });
      await a.pool.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await a.close();
    },
  };
}

/** The admin URL of the test server (to make databases of one's own). */
export function adminUrl(): string {
  return inject('pgAdminUrl');
}

/** Imports an org CSV into `db`; returns each new unit's enrollment code by unit name. */
export async function importOrgCodes(db: Pick<TestDb, 'prisma'>, csv: string): Promise<Record<string, string>> {
  const r = await importOrg(db.prisma, parseOrgCsv(csv));
  return Object.fromEntries(r.created.map((c) => [c.name, c.code]));
}
