// Fan-out bench: 3 accounts × 500 groups, one post, gaps scaled down to 4–10 ms, a ChatPort that
// answers at once. Prints the makespan against the rate-limit bound (the sum of the gaps each
// account chose; target ≤ 1.05×) and the delivery-log bookkeeping time per delivery.
import { withBenchDatabase } from './_database.ts';
import { systemClock } from '../../bot/clock.ts';
import { planPost } from '../../bot/relay/plan.ts';
import { startWorker } from '../../bot/relay/worker.ts';
import { addPost, RecordingChat, seedWorld, testContext, testSettings } from '../helpers/relay-world.ts';

const ACCOUNTS = 3;
const GROUPS = 500;

async function run(): Promise<void> {
  await withBenchDatabase('fanout', 12, async (base) => {
    const db = { ...base, ledgerSecret: 'bench-ledger-secret-0123456789abcdef' };
    const names = Array.from({ length: ACCOUNTS }, (_, i) => `bench-${i + 1}`);
    const world = await seedWorld(db.pool, names, names.map((_, i) => ({ kind: 'work' as const, account: i, count: GROUPS })));
    const ctx = testContext(db, systemClock);
    const settings = testSettings(
      { gapMs: [4, 10], perMinute: 1_000_000_000, dailyCap: 1_000_000, claimBatch: 5, progressEvery: 1_000_000 },
      { quiet: { from: '00:00', to: '00:00' } },
    );
    const post = await addPost(db.pool, world, { urgent: true });
    const t0 = performance.now();
    await planPost(ctx, post.id, settings);
    const planMs = performance.now() - t0;

    const start = performance.now();
    const workers = world.accounts.map((a) =>
      startWorker(ctx, { id: a.id, name: a.name, chat: new RecordingChat(a.name, systemClock) }, { settings, stopWhenIdle: true }),
    );
    await Promise.all(workers.map((w) => w.done));
    const total = performance.now() - start;

    const { rows } = await db.pool.query("SELECT status, count(*)::int AS n FROM delivery GROUP BY status");
    const rowsText = rows.map((r) => `${r.status} ${r.n}`).join(', ');
    console.log(`planned ${ACCOUNTS * GROUPS} deliveries in one transaction: ${planMs.toFixed(1)} ms; log now: ${rowsText}`);
    console.log('account    sent   gaps Σ (bound)   makespan   ratio   bookkeeping/delivery');
    let worst = 0;
    for (const [i, w] of workers.entries()) {
      const s = w.stats;
      const makespan = (s.lastSendAt ?? 0) - (s.firstSendAt ?? 0);
      const ratio = makespan / s.gapMsTotal;
      worst = Math.max(worst, ratio);
      console.log(
        `${names[i].padEnd(10)} ${String(s.sent).padStart(4)}   ${s.gapMsTotal.toFixed(0).padStart(6)} ms      ${makespan.toFixed(0).padStart(6)} ms   ${ratio.toFixed(3)}   ${(s.bookkeepingMs / s.sent).toFixed(3)} ms`,
      );
    }
    const bound = Math.max(...workers.map((w) => w.stats.gapMsTotal));
    console.log(`fan-out makespan (first send → last send, all accounts): ${total.toFixed(0)} ms incl. start-up; rate-limit bound ${bound.toFixed(0)} ms`);
    console.log(`worst per-account ratio ${worst.toFixed(3)} (target ≤ 1.05) — ${worst <= 1.05 ? 'OK' : 'ABOVE TARGET'}`);
  });
}

export default { name: 'fanout', description: `${ACCOUNTS} accounts × ${GROUPS} groups, gaps 4–10 ms`, run };
