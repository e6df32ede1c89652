// Pacing of one account's sends: a random gap between starts (start-to-start spacing follows the
// chosen gaps without drift, never below the minimum gap) and at most `perMinute` starts in any
// minute. The worker asks for the next slot, waits for it, and reports when a send started.
import type { RelaySettings } from './settings.ts';

export interface Slot {
  /** When the send should start (epoch ms of the domain clock). */
  target: number;
  /** The random gap chosen for it (0 for the first send). */
  gap: number;
}

export class Pacer {
  private prevTarget: number | undefined;
  private lastStart: number | undefined;
  private readonly recent: number[] = [];
  private beginLatency = 0;

  constructor(
    private readonly s: Pick<RelaySettings['sending'], 'gapMs' | 'perMinute'>,
    private readonly random: () => number,
  ) {}

  /** The next send slot as of `now` (epoch ms). */
  next(now: number): Slot {
    const [min, max] = this.s.gapMs;
    const gap = Math.round(min + this.random() * (max - min));
    let target = now;
    if (this.lastStart !== undefined) target = Math.max(this.prevTarget! + gap, this.lastStart + min);
    while (this.recent.length && this.recent[0] <= now - 60_000) this.recent.shift();
    if (this.recent.length >= this.s.perMinute) target = Math.max(target, this.recent[this.recent.length - this.s.perMinute] + 60_000);
    return { target, gap: this.lastStart === undefined ? 0 : gap };
  }

  /** Records that the send of `slot` started at `at`. */
  started(slot: Slot, at: number): void {
    this.prevTarget = slot.target;
    this.lastStart = at;
    this.recent.push(at);
  }

  /**
   * How long before a slot the durable "say began" commit should be issued, so its fsync overlaps
   * the gap instead of lengthening it: a bit more than its usual latency, at most 50 ms (a crash
   * inside the lead leaves an unsent row `unknown`: safe, and a short window).
   */
  get lead(): number {
    return Math.min(1.5 * this.beginLatency, 50);
  }

  /** Feeds the measured latency of one "say began" commit into `lead`. */
  measuredBegin(ms: number): void {
    this.beginLatency = 0.8 * this.beginLatency + 0.2 * ms;
  }
}
