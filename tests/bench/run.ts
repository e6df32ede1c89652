// `npm run bench` runs every bench in tests/bench/; `npm run bench -- fanout` runs one by name.
// A bench file exports default { name, description, run(): Promise<void> } and prints its numbers.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface Bench {
  name: string;
  description: string;
  run: () => Promise<void>;
}

const dir = import.meta.dirname;
const wanted = process.argv.slice(2);
// Import only the named benches' files when they exist (some bench files run on import).
const all = fs.readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_')).sort();
const named = wanted.map((w) => `${w}.ts`).filter((f) => all.includes(f));
const files = wanted.length && named.length === wanted.length ? named : all;
const benches: Bench[] = [];
for (const f of files) {
  const mod = await import(pathToFileURL(path.join(dir, f)).href);
  if (mod.default?.name && typeof mod.default.run === 'function') benches.push(mod.default as Bench);
}
const chosen = wanted.length ? benches.filter((b) => wanted.includes(b.name)) : benches;
if (!chosen.length) {
  process.stderr.write(`no bench named ${wanted.join(', ')}; available: ${benches.map((b) => b.name).join(', ')}\n`);
  process.exit(64);
}
for (const b of chosen) {
  process.stdout.write(`\n== ${b.name}: ${b.description}\n`);
  await b.run();
}
process.exit(0);
