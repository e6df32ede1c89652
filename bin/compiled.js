// Whether a build of bin/build.js (dist/cli, dist/bot) may run: only while every source it was built
// from is unchanged, so an edited source never runs stale code.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const root = path.resolve(import.meta.dirname, '..');

/**
 * True when `dir` (e.g. "dist/bot") was built from exactly the sources that are here now (sizes and
 * times, or else the content's hash, in its inputs.json) and `check(inputs)` agrees.
 */
export function compiledIsCurrent(dir, check = () => true) {
  let inputs;
  try {
    inputs = JSON.parse(fs.readFileSync(path.join(root, dir, 'inputs.json'), 'utf8'));
  } catch {
    return false;
  }
  for (const [rel, want] of Object.entries(inputs.files)) {
    const file = path.join(root, rel);
    let st;
    try {
      st = fs.statSync(file);
    } catch {
      return false;
    }
    if (st.size === want.size && st.mtimeMs === want.mtimeMs) continue;
    // Touched (a checkout, a copy): compare the content.
    if (crypto.createHash('sha1').update(fs.readFileSync(file)).digest('hex') !== want.sha1) return false;
  }
  return check(inputs);
}

/** The schedule modules a bot loads (schedules/*.ts, as bot/runtime.ts's loadSchedules picks them). */
export function scheduleSources() {
  return fs.readdirSync(path.join(root, 'schedules')).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).sort();
}

/** Whether the bot's build (dist/bot) may run: its sources unchanged and schedules/ holding the same job files. */
export function botIsCurrent(dir = 'dist/bot') {
  return compiledIsCurrent(dir, (inputs) => JSON.stringify(inputs.schedules ?? []) === JSON.stringify(scheduleSources()));
}
