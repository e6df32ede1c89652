// A JobContext for calling a schedules/ job's run(ctx, slot) directly: the app context plus the
// services the runtime would give it (no accounts unless given, content/relay.yml, default ledger
// settings, no sources, planning that plans for real).
import type { AppContext } from '../../bot/app.ts';
import type { JobContext } from '../../bot/core/scheduler.ts';
import { DEFAULT_LEDGER_SETTINGS } from '../../bot/ledger/settings.ts';
import { createPlanning } from '../../bot/relay/plan.ts';
import { loadRelaySettings } from '../../bot/relay/settings.ts';

/** `ctx` with job services; `over` replaces any of them. */
export function jobContext<C extends AppContext>(ctx: C, over: Partial<JobContext> = {}): C & JobContext {
  const settings = over.settings ?? { sources: { channels: [], feeds: [], admins: [], pollMinutes: 30 }, relay: loadRelaySettings(), ledger: DEFAULT_LEDGER_SETTINGS };
  const planning = over.planning ?? createPlanning(ctx, settings.relay);
  return {
    ...ctx,
    accounts: [],
    settings,
    planning,
    onPostCaptured: async (post) => {
      await planning.post(post.id);
    },
    ...over,
  };
}
