// A seeded random source for the simulated world, so that a scenario with a seed replays exactly.
import { t } from '../i18n.ts';

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  pick<T>(list: readonly T[]): T;
  /** Log-normal with the given median and 90th percentile. */
  logNormal(median: number, p90: number): number;
}

/** mulberry32: small, fast, good enough for simulated people. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0 || 0x9e3779b9;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => {
    const u = Math.max(next(), 1e-12);
    const v = next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (list) => list[Math.floor(next() * list.length)],
    logNormal: (median, p90) => {
      const sigma = p90 > median ? Math.log(p90 / median) / 1.2816 : 0;
      return median * Math.exp(sigma * normal());
    },
  };
}

/**
 * A random source for one decision, keyed by what it is about (e.g. seed, room, member, post code):
 * the same key gives the same draws whatever order events arrive in, so two accounts sending at
 * the same simulated moment cannot swap who confirms what between runs.
 */
export function keyedRng(seed: number, ...key: (string | number)[]): Rng {
  // FNV-1a over the key, mixed with the seed.
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (const ch of key.join('\u001f')) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return seededRng(h);
}

let syllables: { surnames: string[]; given: string[] } | undefined;

/**
 * A made-up member name from the characters and forms in demo.yml (demo.people): parents as
 * "X妈妈"/"X爸爸" (with a child's name), staff as "X老师".
 */
export function fakeName(rng: Rng, kind: 'work' | 'parent', taken: Set<string>): string {
  syllables ??= { surnames: [...t('demo.people.surnames')], given: [...t('demo.people.given_names')] };
  for (let i = 0; i < 1000; i++) {
    const names = { surname: rng.pick(syllables.surnames), given: rng.pick(syllables.given) };
    const n = t(kind === 'parent' ? (rng.next() < 0.6 ? 'demo.people.mother' : 'demo.people.father') : 'demo.people.teacher', names);
    const name = taken.has(n) ? `${n}${i + 2}` : n;
    if (!taken.has(name)) {
      taken.add(name);
      return name;
    }
  }
  throw new Error('could not make a unique name');
}
