// What every CLI command gets: the parsed configuration, a quiet logger, an open database, and one
// place that turns expected failures into a sentence and an exit code.
//
// Operators run this CLI many times a day, so a command loads only what it uses: nothing here is
// imported until a command runs (`antifraud --help` loads commander and the command list only).
import type { Config } from '../config.ts';
import type { OpenDb } from '../db/open.ts';
import type { Logger } from '../log.ts';

export interface CliContext {
  config: Config;
  db: OpenDb;
  log: Logger;
  out: (line?: string) => void;
}

export interface WithDbOptions {
  /** The command uses `db.prisma` (default true); pool-only commands skip loading the Prisma client. */
  prisma?: boolean;
}

/** Prints an expected failure as one line on stderr and sets a non-zero exit code. */
export async function reportFailure(err: unknown): Promise<void> {
  const [{ ConfigError }, { SetupError, UserError }] = await Promise.all([import('../config.ts'), import('../errors.ts')]);
  if (err instanceof ConfigError) {
    process.stderr.write(`antifraud: ${err.problems.join('\nantifraud: ')}\n`);
    process.exitCode = 78; // EX_CONFIG
  } else if (err instanceof UserError) {
    // Chinese first (content/locales/zh-CN/cli.yml) where the key has a text; else the message.
    const { hasText, t } = await import('../i18n.ts');
    process.stderr.write(`antifraud: ${hasText(err.key) ? t(err.key, err.params) : err.message}\n`);
    process.exitCode = 1;
  } else if (err instanceof SetupError) {
    process.stderr.write(`antifraud: ${err.message}\n`);
    process.exitCode = 69; // EX_UNAVAILABLE
  } else {
    process.stderr.write(`antifraud: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 70; // EX_SOFTWARE
  }
}

/** Runs `fn` with the database open, closing it (and the embedded server) afterwards. */
export async function withDb(fn: (ctx: CliContext) => Promise<void>, opts: WithDbOptions = {}): Promise<void> {
  let db: OpenDb | undefined;
  try {
    const [{ loadConfig, readEnvFile }, { openDatabase }, { createLogger }] = await Promise.all([
      import('../config.ts'),
      import('../db/open.ts'),
      import('../log.ts'),
    ]);
    const config = loadConfig(process.env, readEnvFile());
    // CLI output is the command's own; logs only say what went wrong.
    const log = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', pretty: false, destination: process.stderr as never });
    db = await openDatabase(config, log, { prisma: opts.prisma });
    await fn({ config, db, log, out: (line = '') => process.stdout.write(line + '\n') });
  } catch (err) {
    await reportFailure(err);
  } finally {
    await db?.shutdown().catch(() => undefined);
  }
}
