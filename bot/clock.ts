// Time for the domain. Production uses the system clock; tests pin a reference time, and the
// demo installs fake timers globally (so node-cron follows the same virtual time).

export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

/** The real clock (follows fake timers when they are installed globally). */
export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** A clock pinned to `start` that moves only when told (sleep advances it at once). */
export function fixedClock(start: Date | string): Clock & { advance(ms: number): void; set(t: Date | string): void } {
  let t = new Date(start).getTime();
  return {
    now: () => new Date(t),
    sleep: async (ms) => {
      t += ms;
    },
    advance: (ms) => {
      t += ms;
    },
    set: (d) => {
      t = new Date(d).getTime();
    },
  };
}
