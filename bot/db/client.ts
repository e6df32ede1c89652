// The Prisma client (Rust-free, through @prisma/adapter-pg) and a pg pool for the explicit SQL
// that matters (claims, bulk inserts, roll-ups), both on one connection string.
import { PrismaPg } from '@prisma/adapter-pg';
import type pg from 'pg';
import { PrismaClient } from './generated/client.ts';
import { connectPool } from './pool.ts';

export { PrismaClient };
export type * from './generated/client.ts';

export interface Db {
  prisma: PrismaClient;
  pool: pg.Pool;
  url: string;
  close: () => Promise<void>;
}

/** Connects both clients to `url`; nothing is sent until the first query. */
export function connect(url: string, opts: { max?: number } = {}): Db {
  const pool = connectPool(url, opts);
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: opts.max ?? 10 }) });
  let closed = false;
  return {
    prisma,
    pool,
    url,
    close: async () => {
      if (closed) return;
      closed = true;
      await Promise.allSettled([prisma.$disconnect(), pool.end()]);
    },
  };
}
