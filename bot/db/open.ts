// Opens the database the configuration names: the embedded one when DATABASE_URL is unset,
// otherwise the given server. Applies migrations, checks the ledger secret and re-derives blanked
// owner keys (bot/ledger/owner-keys.ts).
import crypto from 'node:crypto';
import type { Config } from '../config.ts';
import { SetupError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Db } from './client.ts';
import { connectPool } from './pool.ts';
import { startEmbedded, type EmbeddedOptions, type EmbeddedServer } from './embedded.ts';
import { migrate } from './migrate.ts';
import { checkDataDir } from './data-dir.ts';
import { loadLocalSecrets } from './secrets.ts';
import { rederiveOwnerKeys } from '../ledger/owner-keys.ts';

export interface OpenDb extends Db {
  ledgerSecret: string;
  embedded?: EmbeddedServer;
  /** Closes the clients and stops the embedded server, if any. */
  shutdown: () => Promise<void>;
}

/** Turns a pg connection error into one sentence that says what to do. */
export function describeConnectError(err: unknown, url: string): string {
  const e = err as NodeJS.ErrnoException & { code?: string };
  let where = url;
  try {
    const u = new URL(url);
    where = `${u.hostname}:${u.port || 5432}/${u.pathname.slice(1)}`;
  } catch {
    /* keep the raw text */
  }
  switch (e.code) {
    case 'ECONNREFUSED':
      return `cannot reach PostgreSQL at ${where}: connection refused — is the server running? (unset DATABASE_URL to use the embedded database)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot reach PostgreSQL at ${where}: the host name does not resolve — check DATABASE_URL`;
    case 'ETIMEDOUT':
      return `cannot reach PostgreSQL at ${where}: the connection timed out — check DATABASE_URL and the firewall`;
    case '28P01':
    case '28000':
      return `PostgreSQL at ${where} refused the user name or password in DATABASE_URL`;
    case '3D000':
      return `the database named in DATABASE_URL (${where}) does not exist — create it (e.g. \`createdb\`) or fix the URL`;
    default:
      return `cannot use PostgreSQL at ${where}: ${e.message}`;
  }
}

const FINGERPRINT_KEY = 'ledger_secret_fingerprint';

async function checkLedgerSecret(db: Db, secret: string): Promise<void> {
  const fp = crypto.createHmac('sha256', secret).update('antifraud-relay fingerprint').digest('hex').slice(0, 16);
  await db.pool.query('INSERT INTO setting (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [
    FINGERPRINT_KEY,
    fp,
  ]);
  const { rows } = await db.pool.query<{ value: string }>('SELECT value FROM setting WHERE key = $1', [FINGERPRINT_KEY]);
  if (rows[0]?.value !== fp) {
    throw new SetupError(
      'LEDGER_SECRET differs from the one this database was started with — every process must use the same secret, ' +
        'or members would be counted twice',
    );
  }
}

export interface OpenOptions extends EmbeddedOptions {
  /**
   * Load the Prisma client (default true). CLI commands that only run explicit SQL pass false and
   * start faster; `prisma` then throws if touched.
   */
  prisma?: boolean;
}

/** Pool-only connection: the same shape as `connect`, with a `prisma` that says it was not loaded. */
function poolOnly(url: string, opts: { max?: number } = {}): Db {
  const pool = connectPool(url, opts);
  let closed = false;
  return {
    get prisma(): never {
      throw new Error('this command opened the database without the Prisma client (openDatabase { prisma: false })');
    },
    pool,
    url,
    close: async () => {
      if (closed) return;
      closed = true;
      await pool.end().catch(() => undefined);
    },
  };
}

/** Opens (starting if needed) and migrates the database; throws SetupError with a fix on failure. */
export async function openDatabase(config: Config, log: Logger, opts: OpenOptions = {}): Promise<OpenDb> {
  const connect = opts.prisma === false ? poolOnly : (await import('./client.ts')).connect;
  const dbLog = log.child({ name: 'db' });
  let embedded: EmbeddedServer | undefined;
  let url = config.databaseUrl;
  let ledgerSecret = config.ledgerSecret;
  if (!url) {
    checkDataDir(config.dataDir, { embedded: true });
    let secrets;
    try {
      secrets = loadLocalSecrets(config.dataDir);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new SetupError(
        `${config.dataDir}/secrets.json cannot be ${e.code === 'ENOENT' || e.code === 'EACCES' ? 'read or written' : 'read'} (${e.code ?? e.message}) — ` +
          (e instanceof SyntaxError ? 'it is not valid JSON: restore it from the backup' : 'give this user access to it, or set DATA_DIR to a directory you own'),
        { cause: err },
      );
    }
    embedded = await startEmbedded(config.dataDir, secrets.postgresPassword, dbLog, opts);
    url = embedded.url('antifraud');
    ledgerSecret ??= secrets.ledgerSecret;
    const admin = poolOnly(embedded.url('postgres'), { max: 1 });
    try {
      const { rowCount } = await admin.pool.query("SELECT 1 FROM pg_database WHERE datname = 'antifraud'");
      if (!rowCount) await admin.pool.query("CREATE DATABASE antifraud ENCODING 'UTF8' TEMPLATE template0");
    } finally {
      await admin.close();
    }
  }
  const db = connect(url);
  const shutdown = async () => {
    await db.close();
    await embedded?.stop();
  };
  try {
    try {
      await db.pool.query('SELECT 1');
    } catch (err) {
      throw new SetupError(describeConnectError(err, url), { cause: err });
    }
    await migrate(db.pool, dbLog);
    await checkLedgerSecret(db, ledgerSecret!);
    const owners = await rederiveOwnerKeys(db.pool, ledgerSecret!);
    if (owners) dbLog.info({ groups: owners }, 'owner keys derived in their own context (owner_key_context migration)');
  } catch (err) {
    await shutdown().catch(() => undefined);
    throw err;
  }
  // Assigned onto db, not spread: a pool-only db's `prisma` getter must not be read here.
  return Object.assign(db, { ledgerSecret: ledgerSecret!, embedded, shutdown });
}
