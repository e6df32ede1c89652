// Importing wechat4u installs process.on('uncaughtException', console.log), which would keep a
// broken process alive. We replace it with handlers that log once and exit.
import type { Logger } from '../log.ts';

/** Installs the process-wide fatal-error handlers; call after the puppet has been imported. */
export function installFatalHandlers(log: Logger, onFatal: () => Promise<void>): void {
  for (const l of process.listeners('uncaughtException')) {
    if (l.toString().includes('console.log')) process.removeListener('uncaughtException', l);
  }
  let dying = false;
  const die = (kind: string) => (err: unknown) => {
    log.fatal({ err }, `${kind}: the bot stops; restart it (its session and data are kept)`);
    if (dying) return;
    dying = true;
    const timer = setTimeout(() => process.exit(70), 5_000);
    timer.unref();
    onFatal().finally(() => process.exit(70));
  };
  process.on('uncaughtException', die('uncaught exception'));
  process.on('unhandledRejection', die('unhandled promise rejection'));
}
