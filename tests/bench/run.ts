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
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_')).sort();
const benches: Bench[] = [];
for (const f of files) {
  const mod = await import(pathToFileURL(path.join(dir, f)).href);
  if (mod.default?.name && typeof mod.default.run === 'function') benches.push(mod.default as Bench);
}
const wanted = process.argv.slice(2);
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
