// Driver adapter for the Prisma CLI's JS schema engine (used only by prisma.config.ts).
//
// Works around prisma/orm#27403 (fixed only in Prisma 7): through @prisma/adapter-pg the schema
// engine fails with "Column type 'name' could not be deserialized", because PostgreSQL catalog
// queries return the `name` type (oid 19). This pool reports such columns as text (oid 25).
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';

const NAME_OID = 19;
const TEXT_OID = 25;

function nameAsText<T>(result: T): T {
  const fields = (result as { fields?: { dataTypeID: number }[] } | undefined)?.fields;
  for (const field of fields ?? []) if (field.dataTypeID === NAME_OID) field.dataTypeID = TEXT_OID;
  return result;
}

function wrapQuery(target: { query: (...args: any[]) => any }): void {
  const query = target.query.bind(target);
  target.query = (...args: any[]) => {
    const out = query(...args);
    return out && typeof out.then === 'function' ? out.then(nameAsText) : out;
  };
}

class NameAsTextPool extends pg.Pool {
  constructor(config: pg.PoolConfig) {
    super(config);
    wrapQuery(this as any);
    const connect = this.connect.bind(this) as (cb?: unknown) => Promise<pg.PoolClient> | undefined;
    (this as any).connect = (cb?: unknown) => {
      // pool.query() connects with a callback; its result is already wrapped above.
      if (typeof cb === 'function') return connect(cb);
      return connect()!.then((client) => {
        if (!(client as any).__nameAsText) {
          wrapQuery(client as any);
          (client as any).__nameAsText = true;
        }
        return client;
      });
    };
  }
}

/** The adapter factory prisma.config.ts hands to the Prisma CLI. */
export function migrationAdapter(url: string | undefined) {
  if (!url || !/^postgres(ql)?:\/\//.test(url)) {
    throw new Error(
      'DATABASE_URL must be a postgresql:// URL for the Prisma CLI (the bot itself applies migrations on start; ' +
        'with the embedded database run `npm run cli -- db url` to print its URL).',
    );
  }
  return new PrismaPg(new NameAsTextPool({ connectionString: url }));
}
