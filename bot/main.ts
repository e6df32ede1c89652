// `npm start`: wiring only. Builds the pieces, starts them, and stops them cleanly.
import { ConfigError, loadConfig, readEnvFile } from './config.ts';
import { openDatabase, type OpenDb } from './db/open.ts';
import { SetupError } from './errors.ts';
import { createLogger } from './log.ts';
import { createWechatBot } from './wechat/bot.ts';
import { installFatalHandlers } from './wechat/fatal.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env, readEnvFile());
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`antifraud-relay: ${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  const log = createLogger({ level: config.logLevel });
  let db: OpenDb | undefined;
  const stop = async () => {
    // Not bot.stop(): on wechat4u it logs the account out and deletes the saved session.
    await db?.shutdown();
  };
  let stopping = false;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (stopping) return;
      stopping = true;
      log.info({ signal: sig }, 'stopping');
      stop().finally(() => process.exit(0));
    });
  }

  try {
    db = await openDatabase(config, log);
  } catch (err) {
    if (err instanceof SetupError) {
      log.fatal(err.message);
      process.exit(69);
    }
    throw err;
  }
  log.info({ database: db.embedded ? `embedded (${config.dataDir}/postgres)` : 'DATABASE_URL' }, 'database ready');

  const bot = createWechatBot({ name: config.botName, puppet: config.puppet, dataDir: config.dataDir, log });
  installFatalHandlers(log, stop);
  try {
    await bot.start();
  } catch (err) {
    log.error(
      { err: { message: (err as Error).message } },
      `the WeChat puppet ${config.puppet} could not start; the bot stays up and the database and dashboard keep working`,
    );
  }
}

await main();
