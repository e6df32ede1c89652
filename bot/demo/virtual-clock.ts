// The demo's virtual clock: @sinonjs/fake-timers installed globally for Date and the timer
// functions only, so node-cron, setTimeout-based sleeps and `new Date()` all follow simulated time,
// while real I/O (the pg driver, the embedded PostgreSQL, files) keeps running on the real event
// loop. Time moves from one timer to the next, and only when no database query is in flight, so a
// transaction never sees its own timeout fire because the world jumped ahead.
import * as FakeTimers from '@sinonjs/fake-timers';
import pg from 'pg';
import type { Clock } from '../clock.ts';
import type { PrismaClient } from '../db/client.ts';

/** Timers the demo fakes: never setImmediate, nextTick, hrtime or performance (real I/O needs them). */
export const FAKED = ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] as const;

let inFlight = 0;
let patched = false;
const idleWaiters: (() => void)[] = [];

/**
 * Counts pg queries and connects in flight (both the pg pool and Prisma's adapter use pg.Client).
 * Installed once per process; harmless when the clock is real.
 */
export function trackDatabaseActivity(): void {
  if (patched) return;
  patched = true;
  const proto = pg.Client.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const method of ['query', 'connect'] as const) {
    const original = proto[method]!;
    proto[method] = function tracked(this: unknown, ...args: unknown[]) {
      const cbIndex = args.findIndex((a) => typeof a === 'function');
      inFlight++;
      let settled = false;
      const done = () => {
        if (!settled) {
          settled = true;
          inFlight--;
          if (inFlight === 0) for (const wake of idleWaiters.splice(0)) wake();
        }
      };
      if (cbIndex >= 0) {
        const cb = args[cbIndex] as (...r: unknown[]) => unknown;
        args[cbIndex] = (...r: unknown[]) => {
          done();
          return cb(...r);
        };
      }
      let result: unknown;
      try {
        result = original.apply(this, args);
      } catch (err) {
        done();
        throw err;
      }
      if (result && typeof (result as Promise<unknown>).then === 'function') {
        (result as Promise<unknown>).then(done, done);
      } else if (cbIndex < 0 && result && typeof (result as { on?: unknown }).on === 'function') {
        // A submittable query object: done when it ends or fails.
        const q = result as { on: (e: string, f: () => void) => void };
        q.on('end', done);
        q.on('error', done);
      } else if (cbIndex < 0) done();
      return result;
    };
  }
}

/**
 * Prisma loads its query compiler on first use: real asynchronous work that is not a pg query, so
 * the clock could run ahead of it. Run one transaction before the clock is installed.
 */
export async function warmUpPrisma(prisma: PrismaClient): Promise<void> {
  await prisma.$transaction(async (tx) => {
    await tx.$queryRawUnsafe('SELECT 1');
  });
}

let keepOpen = false;

/**
 * Pools created from now on keep idle connections open. Under the virtual clock an idle timeout
 * of 10 s passes between almost any two events, and every query would open a new connection.
 * Call before the database is opened (both our pool and Prisma's adapter create pg.Pool).
 */
export function keepConnectionsOpen(): void {
  if (keepOpen) return;
  keepOpen = true;
  const Base = pg.Pool;
  class LongLivedPool extends Base {
    constructor(options?: pg.PoolConfig) {
      super({ idleTimeoutMillis: 0, ...options });
    }
  }
  (pg as unknown as { Pool: typeof pg.Pool }).Pool = LongLivedPool;
}

/** Queries and connects currently in flight (for tests of the tracker). */
export function databaseActivity(): number {
  return inFlight;
}

const realImmediate = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Waits until nothing is in flight for several consecutive turns of the real event loop
 * (microtasks chain queries inside a transaction; a few turns let the next one start).
 */
export async function settle(turns = 4): Promise<void> {
  let quiet = 0;
  while (quiet < turns) {
    // Sleep (not spin) while queries run: the database needs the CPU more than we do.
    if (inFlight > 0) await new Promise<void>((resolve) => idleWaiters.push(resolve));
    await realImmediate();
    quiet = inFlight === 0 ? quiet + 1 : 0;
  }
}

export interface VirtualClock {
  /** A Clock for AppContext: now() and sleep() follow virtual time. */
  clock: Clock;
  now(): Date;
  /**
   * Moves virtual time forward to `until`, firing every timer on the way in order, settling
   * database work between timers. `onStep` is awaited after each step (the world uses it).
   */
  runUntil(until: Date, onStep?: () => Promise<void>): Promise<number>;
  uninstall(): void;
}

/** Installs fake Date and timers globally, starting at `start`. */
export function installVirtualClock(start: Date): VirtualClock {
  trackDatabaseActivity();
  const fake: ReturnType<typeof FakeTimers.install> = FakeTimers.install({
    now: start.getTime(),
    toFake: [...FAKED],
    shouldClearNativeTimers: true,
    loopLimit: 1_000_000,
  });
  const clock: Clock = {
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
  return {
    clock,
    now: () => new Date(fake.now),
    async runUntil(until, onStep) {
      let steps = 0;
      let reached = false;
      const stop = setTimeout(() => {
        reached = true;
      }, Math.max(0, until.getTime() - fake.now));
      try {
        while (!reached) {
          await settle();
          await fake.nextAsync();
          steps++;
          if (onStep) await onStep();
        }
        await settle();
      } finally {
        clearTimeout(stop);
      }
      return steps;
    },
    uninstall: () => fake.uninstall(),
  };
}
