// A JobContext for calling a schedules/ job's run(ctx, slot) directly: the app context plus the
// services the runtime would give it (no accounts unless given, planning that plans for real with
// the context's relay settings).
import type { AppContext } from '../../bot/app.ts';
import type { JobContext } from '../../bot/core/scheduler.ts';
import { createPlanning } from '../../bot/relay/plan.ts';

/** `ctx` with job services; `over` replaces any of them. */
export function jobContext<C extends AppContext>(ctx: C, over: Partial<JobContext> = {}): C & JobContext {
  const planning = over.planning ?? createPlanning(ctx, ctx.settings.relay);
  return {
    ...ctx,
    accounts: [],
    planning,
    onPostCaptured: async (post) => {
      await planning.post(post.id);
    },
    ...over,
  };
}
