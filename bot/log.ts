// One pino root logger; every subsystem takes a child ({ name: 'relay' } and so on).
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Pretty, human output (default: when stdout is a terminal). */
  pretty?: boolean;
  /** Where JSON lines go (tests pass a capturing stream). */
  destination?: DestinationStream;
}

/** Creates the root logger: pretty on a terminal, JSON lines otherwise. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? 'info';
  if (opts.destination) return pino({ level, base: undefined }, opts.destination);
  const pretty = opts.pretty ?? Boolean(process.stdout.isTTY);
  if (pretty) {
    return pino({
      level,
      base: undefined,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, translateTime: 'SYS:yyyy-mm-dd HH:MM:ss', ignore: 'pid,hostname' },
      },
    });
  }
  return pino({ level, base: undefined });
}

/** A logger that drops everything (for CLI commands that print their own output). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
