// The demo's virtual clock: node-cron, setTimeout and Date follow simulated time, and time never
// jumps while a database transaction is running.
import cron from 'node-cron';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseActivity, installVirtualClock, settle, warmUpPrisma } from '../../bot/demo/virtual-clock.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';

let db: TestDb;
beforeAll(async () => {
  db = await freshDb();
});
afterAll(async () => db.drop());

describe('virtual clock', () => {
  it('fires node-cron 4 schedules in Asia/Shanghai over simulated days, in well under a second per day', async () => {
    const vc = installVirtualClock(new Date('2026-03-02T00:00:00+08:00'));
    const evenings: string[] = [];
    let every5 = 0;
    const a = cron.schedule('30 19 * * *', () => void evenings.push(new Date().toISOString()), { timezone: 'Asia/Shanghai' });
    const b = cron.schedule('*/5 * * * *', () => void every5++, { timezone: 'Asia/Shanghai' });
    try {
      await vc.runUntil(new Date('2026-03-05T00:00:00+08:00'));
    } finally {
      await a.destroy();
      await b.destroy();
      vc.uninstall();
    }
    expect(evenings).toEqual(['2026-03-02T11:30:00.000Z', '2026-03-03T11:30:00.000Z', '2026-03-04T11:30:00.000Z']);
    expect(every5).toBeGreaterThanOrEqual(3 * 288 - 1);
    expect(every5).toBeLessThanOrEqual(3 * 288);
  });

  it('sleeps and Date follow the virtual time', async () => {
    const vc = installVirtualClock(new Date('2026-03-02T08:00:00+08:00'));
    const seen: string[] = [];
    try {
      void (async () => {
        await vc.clock.sleep(90 * 60_000);
        seen.push(vc.clock.now().toISOString());
        await vc.clock.sleep(24 * 3_600_000);
        seen.push(new Date().toISOString());
      })();
      await vc.runUntil(new Date('2026-03-04T00:00:00+08:00'));
    } finally {
      vc.uninstall();
    }
    expect(seen).toEqual(['2026-03-02T01:30:00.000Z', '2026-03-03T01:30:00.000Z']);
  });

  it('does not move time while a transaction is running, so its timeout never fires early', async () => {
    await db.pool.query('CREATE TABLE IF NOT EXISTS clock_probe (n int, at timestamptz)');
    // Prisma loads its query compiler on first use (real file I/O the clock cannot see): warm it up
    // before the clock is installed, as the demo does.
    await warmUpPrisma(db.prisma);
    const vc = installVirtualClock(new Date('2026-03-02T08:00:00+08:00'));
    const errors: unknown[] = [];
    try {
      // A transaction of 30 statements starts at 08:00; a timer one hour later competes with it.
      setTimeout(() => {
        void db.prisma
          .$transaction(async (tx) => {
            for (let i = 0; i < 30; i++) await tx.$executeRawUnsafe('INSERT INTO clock_probe VALUES ($1, now())', i);
          }, { timeout: 2_000 })
          .catch((err) => errors.push(err));
      }, 1000);
      setTimeout(() => undefined, 3_600_000);
      await vc.runUntil(new Date('2026-03-02T10:00:00+08:00'));
    } finally {
      vc.uninstall();
    }
    await settle();
    expect(errors).toEqual([]);
    expect(databaseActivity()).toBe(0);
    const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM clock_probe');
    expect(rows[0].n).toBe(30);
  });
});
