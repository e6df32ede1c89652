// The pg pool alone, for the explicit SQL that matters and for commands that need no Prisma
// (loading the Prisma client costs a few hundred milliseconds a process).
import pg from 'pg';

/** A pg pool on `url`; idle-client errors surface on the next query instead of crashing. */
export function connectPool(url: string, opts: { max?: number } = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10 });
  pool.on('error', () => undefined);
  return pool;
}
