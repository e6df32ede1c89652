// Runs the `antifraud` command as a user would, against a test database.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { TestDb } from './db.ts';

const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `antifraud …args` with DATABASE_URL pointing at `db`; never throws on a non-zero exit. */
export async function runCli(db: TestDb, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run('node', ['bin/antifraud.js', ...args], {
      env: { ...process.env, DATABASE_URL: db.url, LEDGER_SECRET: db.ledgerSecret, LOG_LEVEL: 'warn', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
