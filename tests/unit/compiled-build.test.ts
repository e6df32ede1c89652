// bin/compiled.js: a build of bin/build.js (dist/cli, dist/bot) runs only while the sources it was
// built from are unchanged (bin/antifraud.js, bin/start.js); otherwise the TypeScript runs through tsx.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: plain JavaScript without types
import { botIsCurrent, compiledIsCurrent, root, scheduleSources } from '../../bin/compiled.js';

const current = compiledIsCurrent as (dir: string, check?: (inputs: { schedules?: string[] }) => boolean) => boolean;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'compiled-'));
const build = fs.mkdtempSync(path.join(root as string, 'dist', 'test-compiled-'));
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.rmSync(build, { recursive: true, force: true });
});

/** Records `file` as the build's only input, as bin/build.js does. */
function record(file: string, extra: object = {}) {
  const st = fs.statSync(file);
  const sha1 = crypto.createHash('sha1').update(fs.readFileSync(file)).digest('hex');
  const files = { [path.relative(root as string, file)]: { size: st.size, mtimeMs: st.mtimeMs, sha1 } };
  fs.writeFileSync(path.join(build, 'inputs.json'), JSON.stringify({ files, ...extra }));
}
const dir = () => path.relative(root as string, build);

describe('whether a compiled build may run', () => {
  it('runs while its sources are unchanged, also when only their times changed (a fresh checkout)', () => {
    const src = path.join(tmp, 'a.ts');
    fs.writeFileSync(src, 'export const a = 1;\n');
    record(src);
    expect(current(dir())).toBe(true);
    fs.utimesSync(src, new Date(), new Date(Date.now() + 5_000));
    expect(current(dir())).toBe(true); // same content
  });

  it('does not run once a source changed or is gone, or without a record', () => {
    const src = path.join(tmp, 'b.ts');
    fs.writeFileSync(src, 'export const b = 1;\n');
    record(src);
    fs.writeFileSync(src, 'export const b = 2;\n');
    expect(current(dir())).toBe(false);
    record(src);
    fs.rmSync(src);
    expect(current(dir())).toBe(false);
    expect(current('dist/no-such-build')).toBe(false);
  });

  it('the bot: not when schedules/ holds other job files than it was built with', () => {
    const src = path.join(tmp, 'c.ts');
    fs.writeFileSync(src, 'export const c = 1;\n');
    const bot = botIsCurrent as (dir: string) => boolean;
    const jobs = (scheduleSources as () => string[])();
    expect(jobs).toContain('poll-feeds.ts');
    record(src, { schedules: jobs });
    expect(bot(dir())).toBe(true);
    record(src, { schedules: [...jobs, 'added-later.ts'] });
    expect(bot(dir())).toBe(false);
    record(src, { schedules: jobs.slice(1) });
    expect(bot(dir())).toBe(false);
  });
});
