// Captures pino log lines so tests can assert on what was logged.
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../bot/log.ts';

export interface CapturedLog {
  log: Logger;
  lines: Record<string, unknown>[];
  messages: () => string[];
}

/** A logger whose JSON lines are kept in memory. */
export function captureLog(level = 'debug'): CapturedLog {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(JSON.parse(l));
      cb();
    },
  });
  const log = createLogger({ level, destination: stream as never });
  return { log, lines, messages: () => lines.map((l) => String(l.msg)) };
}
